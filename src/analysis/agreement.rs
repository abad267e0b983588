//! How close a proposal is to a known grouping (a "truth" file): the
//! adjusted Rand index, adjusted mutual information and MoJoFM, computed
//! over the tables both know.

use super::truth::Truth;
use crate::model::{Agreement, Proposal};
use std::collections::BTreeMap;

/// Compares the proposal's services with the truth's groups. Tables only
/// one side knows are left out; names are matched exactly, else ignoring
/// case. With no table in common every score is 0.
pub fn agreement(proposal: &Proposal, truth: &Truth) -> Agreement {
    let folded: BTreeMap<String, &str> = truth
        .groups
        .iter()
        .map(|(t, g)| (t.to_lowercase(), g.as_str()))
        .collect();
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for service in &proposal.services {
        for table in &service.tables {
            let group = truth
                .groups
                .get(table)
                .map(String::as_str)
                .or_else(|| folded.get(&table.to_lowercase()).copied());
            if let Some(group) = group {
                pairs.push((service.name.as_str(), group));
                seen.push(table);
            }
        }
    }
    if pairs.is_empty() {
        return Agreement {
            ari: 0.0,
            ami: 0.0,
            mojofm: 0.0,
        };
    }
    let proposed = labels(pairs.iter().map(|p| p.0));
    let known = labels(pairs.iter().map(|p| p.1));
    Agreement {
        ari: adjusted_rand_index(&proposed, &known),
        ami: adjusted_mutual_information(&proposed, &known),
        mojofm: mojo_fm(&proposed, &known),
    }
}

/// Numbers the distinct values `0..k` in sorted order.
fn labels<'a>(values: impl Iterator<Item = &'a str>) -> Vec<usize> {
    let values: Vec<&str> = values.collect();
    let mut distinct = values.clone();
    distinct.sort_unstable();
    distinct.dedup();
    values
        .iter()
        .map(|v| distinct.binary_search(v).expect("present"))
        .collect()
}

/// The contingency table `n[i][j]` = objects in cluster i of `a` and j of `b`.
fn contingency(a: &[usize], b: &[usize]) -> Vec<Vec<u64>> {
    let rows = a.iter().max().map_or(0, |m| m + 1);
    let cols = b.iter().max().map_or(0, |m| m + 1);
    let mut table = vec![vec![0u64; cols]; rows];
    for (&i, &j) in a.iter().zip(b) {
        table[i][j] += 1;
    }
    table
}

fn pairs(n: u64) -> f64 {
    (n as f64) * (n.saturating_sub(1) as f64) / 2.0
}

/// Adjusted Rand index: the Rand index (share of object pairs both
/// partitions treat alike) corrected for chance,
/// `(Σ C(n_ij,2) − E) / (½(Σ C(a_i,2) + Σ C(b_j,2)) − E)` with
/// `E = Σ C(a_i,2) Σ C(b_j,2) / C(n,2)`. 1 for identical partitions, about
/// 0 for random ones. When both partitions are trivial in the same way (one
/// cluster each, or all singletons) it is 1, as in scikit-learn.
pub fn adjusted_rand_index(a: &[usize], b: &[usize]) -> f64 {
    let n = a.len() as u64;
    let table = contingency(a, b);
    let rows: Vec<u64> = table.iter().map(|r| r.iter().sum()).collect();
    let cols: Vec<u64> = (0..table.first().map_or(0, Vec::len))
        .map(|j| table.iter().map(|r| r[j]).sum())
        .collect();
    let index: f64 = table.iter().flatten().map(|&x| pairs(x)).sum();
    let sum_a: f64 = rows.iter().map(|&x| pairs(x)).sum();
    let sum_b: f64 = cols.iter().map(|&x| pairs(x)).sum();
    let total = pairs(n);
    if total == 0.0 {
        return 1.0;
    }
    let expected = sum_a * sum_b / total;
    let max = (sum_a + sum_b) / 2.0;
    if (max - expected).abs() < f64::EPSILON {
        return 1.0;
    }
    (index - expected) / (max - expected)
}

/// Adjusted mutual information with arithmetic-mean normalization (the
/// default of scikit-learn's `adjusted_mutual_info_score`):
/// `AMI = (MI − E[MI]) / (½(H(a) + H(b)) − E[MI])`, natural logarithms,
/// where E(MI) is the expected mutual information of two random partitions
/// with the same cluster sizes under the hypergeometric model (Vinh, Epps
/// and Bailey 2010). 1 for identical partitions, about 0 for random ones;
/// 1 when both have a single cluster.
pub fn adjusted_mutual_information(a: &[usize], b: &[usize]) -> f64 {
    let n = a.len();
    let table = contingency(a, b);
    let rows: Vec<u64> = table.iter().map(|r| r.iter().sum()).collect();
    let cols: Vec<u64> = (0..table.first().map_or(0, Vec::len))
        .map(|j| table.iter().map(|r| r[j]).sum())
        .collect();
    if (rows.len() == 1 && cols.len() == 1) || n == 0 {
        return 1.0;
    }
    let nf = n as f64;
    let entropy = |sizes: &[u64]| -> f64 {
        sizes
            .iter()
            .filter(|&&s| s > 0)
            .map(|&s| {
                let p = s as f64 / nf;
                -p * p.ln()
            })
            .sum()
    };
    let (h_a, h_b) = (entropy(&rows), entropy(&cols));
    let mut mi = 0.0;
    for (i, row) in table.iter().enumerate() {
        for (j, &nij) in row.iter().enumerate() {
            if nij > 0 {
                let x = nij as f64;
                mi += x / nf * ((nf * x) / (rows[i] as f64 * cols[j] as f64)).ln();
            }
        }
    }
    let emi = expected_mutual_information(&rows, &cols, n);
    let mut denominator = (h_a + h_b) / 2.0 - emi;
    // Same guard as scikit-learn: never divide by (nearly) zero.
    if denominator < 0.0 {
        denominator = denominator.min(-f64::EPSILON);
    } else {
        denominator = denominator.max(f64::EPSILON);
    }
    (mi - emi) / denominator
}

/// E(MI) = Σ_i Σ_j Σ_{n_ij} (n_ij/N) ln(N n_ij / (a_i b_j)) · P(n_ij), with
/// P the hypergeometric probability of n_ij given a_i, b_j and N, computed
/// through log-factorials.
fn expected_mutual_information(rows: &[u64], cols: &[u64], n: usize) -> f64 {
    let mut log_factorial = vec![0.0f64; n + 1];
    for k in 1..=n {
        log_factorial[k] = log_factorial[k - 1] + (k as f64).ln();
    }
    let lf = |k: u64| log_factorial[k as usize];
    let nf = n as f64;
    let mut emi = 0.0;
    for &ai in rows {
        for &bj in cols {
            let start = (ai + bj).saturating_sub(n as u64).max(1);
            let end = ai.min(bj);
            for nij in start..=end {
                let x = nij as f64;
                let term = x / nf * (nf * x / (ai as f64 * bj as f64)).ln();
                let log_p = lf(ai) + lf(bj) + lf(n as u64 - ai) + lf(n as u64 - bj)
                    - lf(n as u64)
                    - lf(nij)
                    - lf(ai - nij)
                    - lf(bj - nij)
                    - lf(n as u64 + nij - ai - bj);
                emi += term * log_p.exp();
            }
        }
    }
    emi
}

/// MoJo distance `mno(a, b)`: the fewest Move (one object to another
/// cluster) and Join (two clusters into one) operations turning partition
/// `a` into `b`. Each cluster of `a` is tagged with the cluster of `b` it
/// shares most objects with; the objects outside that share must move, so
/// `moves = Σ_i (|a_i| − max_j |a_i ∩ b_j|)`. Clusters of `a` tagged alike
/// must be joined: with g the number of distinct tags, `joins = l − g` (l
/// clusters in `a`). Where a cluster's best share is tied between several
/// `b` clusters, a maximum bipartite matching between `a` clusters and
/// their tied best `b` clusters picks tags that maximize g, which makes the
/// count optimal (Wen and Tzerpos, "An optimal algorithm for MoJo
/// distance", 2003).
pub fn mojo_distance(a: &[usize], b: &[usize]) -> u64 {
    let table = contingency(a, b);
    let mut moves = 0;
    let mut candidates: Vec<Vec<usize>> = Vec::new();
    for row in &table {
        let size: u64 = row.iter().sum();
        let best = row.iter().copied().max().unwrap_or(0);
        moves += size - best;
        candidates.push(
            row.iter()
                .enumerate()
                .filter(|&(_, &x)| x == best && x > 0)
                .map(|(j, _)| j)
                .collect(),
        );
    }
    let l = table.iter().filter(|r| r.iter().any(|&x| x > 0)).count() as u64;
    let cols = table.first().map_or(0, Vec::len);
    let g = maximum_matching(&candidates, cols) as u64;
    moves + l - g
}

/// Size of a maximum matching from left nodes to right nodes `0..right`
/// (augmenting paths, Kuhn's algorithm).
fn maximum_matching(edges: &[Vec<usize>], right: usize) -> usize {
    fn augment(
        left: usize,
        edges: &[Vec<usize>],
        matched: &mut [Option<usize>],
        visited: &mut [bool],
    ) -> bool {
        for &r in &edges[left] {
            if visited[r] {
                continue;
            }
            visited[r] = true;
            if matched[r].is_none_or(|other| augment(other, edges, matched, visited)) {
                matched[r] = Some(left);
                return true;
            }
        }
        false
    }
    let mut matched = vec![None; right];
    let mut size = 0;
    for left in 0..edges.len() {
        let mut visited = vec![false; right];
        if augment(left, edges, &mut matched, &mut visited) {
            size += 1;
        }
    }
    size
}

/// MoJoFM: `100 × (1 − mno(a, b) / max_x mno(x, b))`, where `a` is the
/// proposal and `b` the reference. The largest distance any partition can
/// have from `b` is `n − g`, with g found by walking `b`'s cluster sizes in
/// ascending order and counting up whenever the count is still below the
/// size (Wen and Tzerpos, "An effectiveness measure for software
/// clustering algorithms", 2004). 100 means identical; when no partition
/// can differ from `b` at all the score is 100.
pub fn mojo_fm(a: &[usize], b: &[usize]) -> f64 {
    let n = a.len() as u64;
    let mut sizes: Vec<u64> = contingency(b, b)
        .iter()
        .map(|r| r.iter().sum())
        .filter(|&s| s > 0)
        .collect();
    sizes.sort_unstable();
    let mut g = 0;
    for size in sizes {
        if g < size {
            g += 1;
        }
    }
    let max = n - g;
    if max == 0 {
        return 100.0;
    }
    100.0 * (1.0 - mojo_distance(a, b) as f64 / max as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values from scikit-learn 1.9 (`adjusted_rand_score`,
    /// `adjusted_mutual_info_score` with its default arithmetic
    /// normalization); MoJo distances and maxima checked by exhaustive
    /// search over all partitions.
    const CASES: &[(&[usize], &[usize], f64, f64)] = &[
        (
            &[0, 0, 0, 1, 1, 1],
            &[0, 0, 1, 1, 2, 2],
            0.24242424242424243,
            0.2987924581708903,
        ),
        (
            &[0, 0, 1, 1, 2, 2, 2, 3],
            &[0, 0, 0, 1, 1, 2, 2, 2],
            0.15789473684210525,
            0.20118648299710978,
        ),
        (
            &[0, 1, 2, 0, 1, 2, 0, 1, 2],
            &[0, 0, 0, 1, 1, 1, 2, 2, 2],
            -0.3333333333333333,
            -0.44115632936888666,
        ),
        (
            &[0, 0, 0, 0, 1],
            &[0, 0, 1, 1, 1],
            -0.15384615384615385,
            -0.09818114302780202,
        ),
        (
            &[0, 0, 0, 1, 1, 2],
            &[0, 1, 1, 2, 2, 2],
            0.3181818181818182,
            0.4118276310331737,
        ),
    ];

    #[test]
    fn matches_scikit_learn() {
        for &(a, b, ari, ami) in CASES {
            let got = adjusted_rand_index(a, b);
            assert!((got - ari).abs() < 1e-12, "ARI {a:?} {b:?}: {got} vs {ari}");
            let got = adjusted_mutual_information(a, b);
            assert!((got - ami).abs() < 1e-9, "AMI {a:?} {b:?}: {got} vs {ami}");
        }
    }

    #[test]
    fn identical_partitions_score_perfectly() {
        let a = [0, 0, 1, 1, 1, 2];
        let relabeled = [2, 2, 0, 0, 0, 1];
        assert!((adjusted_rand_index(&a, &relabeled) - 1.0).abs() < 1e-12);
        assert!((adjusted_mutual_information(&a, &relabeled) - 1.0).abs() < 1e-12);
        assert_eq!(mojo_distance(&a, &relabeled), 0);
        assert!((mojo_fm(&a, &relabeled) - 100.0).abs() < 1e-12);
        let one = [0, 0, 0];
        assert_eq!(adjusted_rand_index(&one, &one), 1.0);
        assert_eq!(adjusted_mutual_information(&one, &one), 1.0);
    }

    #[test]
    fn mojo_by_hand() {
        // {012}{345} → {01}{23}{45}: move 2 and 5 (or 3), 2 operations; the
        // farthest any partition can be from three pairs is 4.
        assert_eq!(mojo_distance(&[0, 0, 0, 1, 1, 1], &[0, 0, 1, 1, 2, 2]), 2);
        assert!((mojo_fm(&[0, 0, 0, 1, 1, 1], &[0, 0, 1, 1, 2, 2]) - 50.0).abs() < 1e-12);
        // A tie ({0123} shares 2 with each B cluster) resolved by matching.
        assert_eq!(mojo_distance(&[0, 0, 0, 0, 1], &[0, 0, 1, 1, 1]), 2);
        assert!((mojo_fm(&[0, 0, 0, 0, 1], &[0, 0, 1, 1, 1]) - 100.0 / 3.0).abs() < 1e-9);
        // Three moves are not needed: one move, one join.
        assert_eq!(
            mojo_distance(&[0, 0, 1, 1, 2, 2, 2, 3], &[0, 0, 0, 1, 1, 2, 2, 2]),
            3
        );
        // Singletons need only joins; one cluster only moves.
        assert_eq!(mojo_distance(&[0, 1, 2, 3, 4, 5], &[0, 0, 0, 0, 1, 1]), 4);
        assert_eq!(mojo_fm(&[0, 1, 2, 3, 4, 5], &[0, 0, 0, 0, 1, 1]), 0.0);
        assert_eq!(mojo_distance(&[0, 0, 0, 0, 0, 0], &[0, 1, 1, 2, 2, 2]), 3);
        assert_eq!(mojo_fm(&[0, 0, 0, 0, 0, 0], &[0, 1, 1, 2, 2, 2]), 0.0);
    }
}
