#!/usr/bin/env bash
# Builds carve's fuzz targets, seeds their corpora and runs them, niced,
# until a deadline; then prints what each target did. See README.md.
#
#   fuzz/run.sh --minutes 60                 # every target, one hour
#   fuzz/run.sh --until 21:15 split_mysql    # one target, until 21:15 UTC
#   fuzz/run.sh --summary                    # the table of the last runs
set -uo pipefail

FUZZ_DIR="$(cd "$(dirname "$0")" && pwd)"
REPO="$(dirname "$FUZZ_DIR")"
ALL_TARGETS=(split_postgres split_mysql split_mssql split_sqlite sql_replay rust_file plan_load answers_load)

WORK="${CARVE_FUZZ_WORK:-${TMPDIR:-/tmp}/carve-fuzz}"
PUBLIC="${CARVE_FUZZ_PUBLIC:-$REPO/../shared/corpus}"
SANITIZER="${CARVE_FUZZ_SANITIZER:-none}"
SEGMENT_MINUTES=30
MAX_CRASHES=10
DEADLINE=""
BUILD=1
SEED=1
SUMMARY_ONLY=0
TARGETS=()

usage() {
  cat <<EOF
usage: fuzz/run.sh (--minutes N | --until HH:MM) [options] [target...]
       fuzz/run.sh --summary [--work DIR]

  --minutes N       run for N minutes from now
  --until HH:MM     run until HH:MM UTC today
  --work DIR        corpora, artifacts, logs and stats (default: $WORK)
  --public DIR      more SQL files to seed from (default: $PUBLIC)
  --segment N       restart each fuzzer every N minutes at most (default: $SEGMENT_MINUTES),
                    so a rebuilt target is picked up
  --sanitizer S     none or address (default: $SANITIZER)
  --no-build        use the targets as built
  --no-seed         leave the corpora as they are
  --summary         print the statistics of past runs and exit

targets: ${ALL_TARGETS[*]} (default: all, run at the same time)
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) DEADLINE=$(($(date +%s) + $2 * 60)); shift 2 ;;
    --until) DEADLINE=$(date -u -d "today $2" +%s) || exit 2; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    --public) PUBLIC="$2"; shift 2 ;;
    --segment) SEGMENT_MINUTES="$2"; shift 2 ;;
    --sanitizer) SANITIZER="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --no-seed) SEED=0; shift ;;
    --summary) SUMMARY_ONLY=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")
for t in "${TARGETS[@]}"; do
  [[ " ${ALL_TARGETS[*]} " == *" $t "* ]] || { echo "unknown target $t" >&2; exit 2; }
done

HOST="$(rustc -vV | sed -n 's/^host: //p')"
BIN_DIR="${CARGO_TARGET_DIR:-$FUZZ_DIR/target}/$HOST/release"

# Statistics: one line per fuzzer run in $WORK/stats/<target>.runs:
# end time, exit code, executions, wall seconds, user seconds, system seconds.
summary() {
  printf '%-15s %5s %6s %13s %7s %7s %9s %9s %8s\n' \
    target runs crash executions seeds corpus wall_s cpu_s artifacts
  local total_cpu=0 total_wall=0 total_execs=0
  for t in "${ALL_TARGETS[@]}"; do
    local runs="$WORK/stats/$t.runs"
    [ -f "$runs" ] || continue
    local line
    line=$(awk '{n++; if ($2 != 0 && $2 != 72) c++; e += $3; w += $4; cpu += $5 + $6}
                END {printf "%d %d %d %.0f %.0f", n, c, e, w, cpu}' "$runs")
    read -r n c e w cpu <<<"$line"
    local seeds corpus artifacts
    seeds=$(cat "$WORK/stats/$t.seeds" 2>/dev/null || echo "?")
    corpus=$(find "$WORK/corpus/$t" -type f 2>/dev/null | wc -l)
    artifacts=$(find "$WORK/artifacts/$t" -type f 2>/dev/null | wc -l)
    printf '%-15s %5d %6d %13d %7s %7d %9d %9d %8d\n' "$t" "$n" "$c" "$e" "$seeds" "$corpus" "$w" "$cpu" "$artifacts"
    total_cpu=$((total_cpu + cpu)); total_wall=$((total_wall + w)); total_execs=$((total_execs + e))
  done
  awk -v c="$total_cpu" -v w="$total_wall" -v e="$total_execs" 'BEGIN {
    printf "total: %d executions, %.0f s of fuzzer wall time, %.0f s of CPU = %.3f CPU-hours\n", e, w, c, c / 3600 }'
}

if [ "$SUMMARY_ONLY" = 1 ]; then summary; exit 0; fi
[ -n "$DEADLINE" ] || { usage >&2; exit 2; }
[ "$DEADLINE" -gt "$(date +%s)" ] || { echo "the deadline has passed" >&2; exit 2; }

mkdir -p "$WORK"/{corpus,artifacts,logs,stats,pids}

if [ "$BUILD" = 1 ]; then
  # cargo fuzz needs nightly flags; the stable compiler accepts them this way.
  (cd "$FUZZ_DIR" && RUSTC_BOOTSTRAP=1 cargo fuzz build --sanitizer "$SANITIZER" --debug-assertions) || exit 2
fi

# Adds `file` to a corpus under the name of its hash, so seeding twice adds
# nothing. `prefix` is a byte written first (the dialect selector of
# sql_replay), as an octal escape for printf, or empty.
add_seed() {
  local dir="$1" file="$2" prefix="$3" tmp
  tmp="$(mktemp "$dir/.seed.XXXXXX")"
  { [ -z "$prefix" ] || printf "$prefix"; cat "$file"; } >"$tmp"
  mv "$tmp" "$dir/seed-$(sha1sum "$tmp" | cut -c1-16)"
}

# The SQL files to seed from: large ones cut at line ends into pieces of at
# most 16 KiB, so that each piece is a whole input and the fuzzer stays fast.
sql_pieces() {
  local out="$WORK/sql-pieces"
  rm -rf "$out"; mkdir -p "$out"
  local i=0 f
  while IFS= read -r -d '' f; do
    i=$((i + 1))
    local kind=postgres
    case "${f,,}" in
      *mssql*|*sqlserver*|*sql-server*) kind=mssql ;;
      *mysql*) kind=mysql ;;
      *sqlite*) kind=sqlite ;;
    esac
    split -C 16384 -d -a 4 "$f" "$out/$kind.$i."
  done < <(find "$REPO/fixtures" "$PUBLIC" -name '*.sql' -type f -print0 2>/dev/null)
}

seed() {
  local t="$1" dir="$WORK/corpus/$1" f
  mkdir -p "$dir"
  case "$t" in
    split_*)
      for f in "$WORK"/sql-pieces/*; do add_seed "$dir" "$f" ""; done ;;
    sql_replay)
      # Each piece with detection (\0) and with the dialect of its source.
      for f in "$WORK"/sql-pieces/*; do
        add_seed "$dir" "$f" '\000'
        case "$(basename "$f")" in
          postgres.*) add_seed "$dir" "$f" '\001' ;;
          mysql.*) add_seed "$dir" "$f" '\002' ;;
          sqlite.*) add_seed "$dir" "$f" '\003' ;;
          mssql.*) add_seed "$dir" "$f" '\004' ;;
        esac
      done ;;
    rust_file)
      while IFS= read -r -d '' f; do add_seed "$dir" "$f" ""; done \
        < <(find "$REPO/fixtures" "$REPO/src" -name '*.rs' -type f -size -64k -print0) ;;
    plan_load)
      while IFS= read -r -d '' f; do add_seed "$dir" "$f" ""; done \
        < <(find "$REPO/fixtures" "$FUZZ_DIR/seeds/plan_load" -name '*.toml' -type f -print0) ;;
    answers_load)
      for f in "$FUZZ_DIR"/seeds/answers_load/*; do add_seed "$dir" "$f" ""; done ;;
  esac
  find "$dir" -type f | wc -l >"$WORK/stats/$t.seeds"
}

if [ "$SEED" = 1 ]; then
  sql_pieces
  for t in "${TARGETS[@]}"; do seed "$t"; done
fi

dict_of() {
  case "$1" in
    split_*|sql_replay) echo "$FUZZ_DIR/dict/sql.dict" ;;
    rust_file) echo "$FUZZ_DIR/dict/rust.dict" ;;
    *) echo "$FUZZ_DIR/dict/toml.dict" ;;
  esac
}

max_len_of() {
  case "$1" in
    plan_load|answers_load) echo 16384 ;;
    *) echo 65536 ;;
  esac
}

# Runs one target in segments until the deadline, restarting it after a
# crash (its input is kept in artifacts/<target>/) up to MAX_CRASHES times.
run_target() {
  local t="$1" crashes=0 n=0
  local bin="$BIN_DIR/$t" corpus="$WORK/corpus/$t" art="$WORK/artifacts/$t"
  mkdir -p "$art"
  while :; do
    local left=$((DEADLINE - $(date +%s)))
    [ "$left" -ge 30 ] && [ ! -e "$WORK/stop" ] || break
    local budget=$((left < SEGMENT_MINUTES * 60 ? left : SEGMENT_MINUTES * 60))
    n=$((n + 1))
    local log="$WORK/logs/$t.$(date -u +%Y%m%dT%H%M%S).log" times="$WORK/stats/$t.time"
    # sh execs into the fuzzer, so the pid it records is the fuzzer's;
    # GNU time measures it, threads included.
    /usr/bin/time -f '%e %U %S' -o "$times" \
      sh -c 'echo $$ >"$0"; exec nice -n 19 env RAYON_NUM_THREADS=1 "$@"' "$WORK/pids/$t" \
      "$bin" "$corpus" -artifact_prefix="$art/" -dict="$(dict_of "$t")" \
      -max_len="$(max_len_of "$t")" -timeout=10 -rss_limit_mb=2048 \
      -max_total_time="$budget" -print_final_stats=1 >"$log" 2>&1
    local rc=$?
    rm -f "$WORK/pids/$t"
    local execs
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    echo "$(date -u +%FT%TZ) $rc ${execs:-0} $(tail -1 "$times")" >>"$WORK/stats/$t.runs"
    # 72: stopped by a signal (stop_all); anything else is a finding.
    if [ "$rc" != 0 ] && [ "$rc" != 72 ]; then
      crashes=$((crashes + 1))
      echo "$t: fuzzer exited with $rc, see $log" >&2
      [ "$crashes" -lt "$MAX_CRASHES" ] || break
      sleep 5
    fi
  done
}

stop_all() {
  local p
  touch "$WORK/stop"
  for p in "$WORK"/pids/*; do
    [ -f "$p" ] && kill -TERM "$(cat "$p")" 2>/dev/null
  done
}
trap 'stop_all' INT TERM

rm -f "$WORK/stop"
echo "fuzzing ${TARGETS[*]} until $(date -u -d "@$DEADLINE" +%H:%M:%S) UTC; work in $WORK" >&2
runners=()
for t in "${TARGETS[@]}"; do
  run_target "$t" &
  runners+=($!)
done
# `wait` returns early when a signal arrives: wait again until every runner
# has finished its last segment.
while [ -n "$(jobs -rp)" ]; do wait; done
summary | tee "$WORK/summary.txt"
