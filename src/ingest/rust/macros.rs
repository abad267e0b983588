//! Expanding the workspace's own `macro_rules!` where they generate items:
//! data layers often write their repository functions with macros
//! (`get!(posts)` inside `impl Post`), and calls to those functions must
//! resolve like calls to hand-written ones. Matching follows macro_rules
//! closely enough for such macros: literal tokens, fragments (`ident`, `ty`,
//! `expr`, `path`, `tt`, …) and repetitions, tried rule by rule.

use super::extract::{extract_items, FileContext};
use super::facts::{Event, FnKind, MacroCall, ModuleFacts};
use super::modules::{free_spans_unless_waiting, ModuleRecord};
use super::names::TableIndex;
use super::nesting::{too_deep, MAX_NESTING};
use crate::model::Diagnostic;
use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::path::Path;
use syn::parse::{ParseStream, Parser};

/// How deep expansions may nest (`insert!` expanding to `last!`).
const MAX_DEPTH: u32 = 4;

/// Most expansions one call may make, nested ones included: a macro that
/// calls itself (or others) several times would otherwise make
/// exponentially many within [`MAX_DEPTH`].
const MAX_EXPANSIONS: usize = 256;

/// Most tokens (those inside groups included) one call's expansions may
/// produce in all.
const MAX_TOKENS: usize = 1 << 20;

/// What one call's expansions may still make, and whether they ran out.
struct Budget {
    expansions: usize,
    tokens: usize,
    exhausted: bool,
    /// An expansion nested deeper than a file may: it was not read.
    too_deep: bool,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            expansions: MAX_EXPANSIONS,
            tokens: MAX_TOKENS,
            exhausted: false,
            too_deep: false,
        }
    }
}

/// The number of tokens in `tokens`, those inside groups included.
fn token_count(tokens: &TokenStream) -> usize {
    let mut count = 0;
    let mut pending = vec![tokens.clone()];
    while let Some(stream) = pending.pop() {
        for tt in stream {
            count += 1;
            if let TokenTree::Group(g) = tt {
                pending.push(g.stream());
            }
        }
    }
    count
}

#[derive(Debug, Clone)]
enum Matcher {
    /// An identifier, punctuation or literal, compared by its text.
    Token(String),
    Group(Delimiter, Vec<Matcher>),
    Fragment(String, String),
    Repeat(Vec<Matcher>, Option<String>, char),
}

#[derive(Debug, Clone)]
enum Binding {
    Leaf(TokenStream),
    Seq(Vec<Binding>),
}

type Bindings = FxHashMap<String, Binding>;

struct Rule {
    pattern: Vec<Matcher>,
    body: TokenStream,
}

fn parse_matchers(tokens: TokenStream) -> Vec<Matcher> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Punct(p) if p.as_char() == '$' => match tokens.get(i + 1) {
                Some(TokenTree::Ident(name)) => {
                    let kind = match (tokens.get(i + 2), tokens.get(i + 3)) {
                        (Some(TokenTree::Punct(colon)), Some(TokenTree::Ident(kind)))
                            if colon.as_char() == ':' =>
                        {
                            i += 2;
                            kind.to_string()
                        }
                        _ => "tt".to_string(),
                    };
                    out.push(Matcher::Fragment(name.to_string(), kind));
                    i += 2;
                }
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                    let inner = parse_matchers(g.stream());
                    let (sep, op, used) = repetition_tail(&tokens[i + 2..]);
                    out.push(Matcher::Repeat(inner, sep, op));
                    i += 2 + used;
                }
                _ => {
                    out.push(Matcher::Token("$".into()));
                    i += 1;
                }
            },
            TokenTree::Group(g) => {
                out.push(Matcher::Group(g.delimiter(), parse_matchers(g.stream())));
                i += 1;
            }
            other => {
                out.push(Matcher::Token(other.to_string()));
                i += 1;
            }
        }
    }
    out
}

/// After `$( … )`: an optional separator and the operator (`*`, `+`, `?`);
/// returns them and how many tokens they took.
fn repetition_tail(rest: &[TokenTree]) -> (Option<String>, char, usize) {
    let op_of = |t: Option<&TokenTree>| match t {
        Some(TokenTree::Punct(p)) if matches!(p.as_char(), '*' | '+' | '?') => Some(p.as_char()),
        _ => None,
    };
    if let Some(op) = op_of(rest.first()) {
        return (None, op, 1);
    }
    match (rest.first(), op_of(rest.get(1))) {
        (Some(sep), Some(op)) => (Some(sep.to_string()), op, 2),
        _ => (None, '*', 0),
    }
}

/// The rules of a definition's body: `(pattern) => { body };` …
fn parse_rules(text: &str) -> Vec<Rule> {
    let Ok(tokens) = text.parse::<TokenStream>() else {
        return Vec::new();
    };
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut rules = Vec::new();
    let mut i = 0;
    while i + 3 < tokens.len() + 1 {
        match (
            &tokens[i],
            tokens.get(i + 1),
            tokens.get(i + 2),
            tokens.get(i + 3),
        ) {
            (
                TokenTree::Group(pattern),
                Some(TokenTree::Punct(eq)),
                Some(TokenTree::Punct(gt)),
                Some(TokenTree::Group(body)),
            ) if eq.as_char() == '=' && gt.as_char() == '>' => {
                rules.push(Rule {
                    pattern: parse_matchers(pattern.stream()),
                    body: body.stream(),
                });
                i += 4;
                if matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
                    i += 1;
                }
            }
            _ => break,
        }
    }
    rules
}

/// Parses one fragment and returns the tokens it spans.
fn fragment(input: ParseStream<'_>, kind: &str) -> syn::Result<TokenStream> {
    let fork = input.fork();
    match kind {
        "ident" => fork
            .call(<syn::Ident as syn::ext::IdentExt>::parse_any)
            .map(drop)?,
        "ty" => fork.parse::<syn::Type>().map(drop)?,
        "expr" => fork.parse::<syn::Expr>().map(drop)?,
        "path" => fork.call(syn::Path::parse_mod_style).map(drop)?,
        "literal" => fork.parse::<syn::Lit>().map(drop)?,
        "block" => fork.parse::<syn::Block>().map(drop)?,
        "pat" | "pat_param" => fork.call(syn::Pat::parse_multi).map(drop)?,
        "stmt" => fork.parse::<syn::Stmt>().map(drop)?,
        "item" => fork.parse::<syn::Item>().map(drop)?,
        "vis" => fork.parse::<syn::Visibility>().map(drop)?,
        "lifetime" => fork.parse::<syn::Lifetime>().map(drop)?,
        "meta" => fork.parse::<syn::Meta>().map(drop)?,
        _ => fork.parse::<TokenTree>().map(drop)?,
    }
    let end = fork.cursor();
    input.step(|cursor| {
        let mut rest = *cursor;
        let mut taken = TokenStream::new();
        while rest != end {
            match rest.token_tree() {
                Some((tt, next)) => {
                    taken.extend([tt]);
                    rest = next;
                }
                None => break,
            }
        }
        Ok((taken, rest))
    })
}

fn match_seq(matchers: &[Matcher], input: ParseStream<'_>, out: &mut Bindings) -> syn::Result<()> {
    for m in matchers {
        match m {
            Matcher::Token(text) => {
                input.step(|cursor| match cursor.token_tree() {
                    Some((tt, next)) if tt.to_string() == *text => Ok(((), next)),
                    _ => Err(cursor.error("token mismatch")),
                })?;
            }
            Matcher::Group(delimiter, inner) => {
                let stream = input.step(|cursor| match cursor.token_tree() {
                    Some((TokenTree::Group(g), next)) if g.delimiter() == *delimiter => {
                        Ok((g.stream(), next))
                    }
                    _ => Err(cursor.error("group mismatch")),
                })?;
                let parser = |s: ParseStream<'_>| {
                    match_seq(inner, s, out)?;
                    if s.is_empty() {
                        Ok(())
                    } else {
                        Err(s.error("tokens left in group"))
                    }
                };
                parser.parse2(stream)?;
            }
            Matcher::Fragment(name, kind) => {
                let mut tokens = fragment(input, kind)?;
                if kind == "expr" || kind == "ty" {
                    // Keep the fragment whole wherever it lands, as rustc does.
                    tokens =
                        TokenStream::from(TokenTree::Group(Group::new(Delimiter::None, tokens)));
                }
                out.insert(name.clone(), Binding::Leaf(tokens));
            }
            Matcher::Repeat(inner, sep, op) => {
                let mut rounds: Vec<Bindings> = Vec::new();
                loop {
                    if input.is_empty() || (*op == '?' && !rounds.is_empty()) {
                        break;
                    }
                    let fork = input.fork();
                    let mut round = Bindings::default();
                    // A round that takes no token would repeat forever.
                    if match_seq(inner, &fork, &mut round).is_err()
                        || fork.cursor() == input.cursor()
                    {
                        break;
                    }
                    syn::parse::discouraged::Speculative::advance_to(input, &fork);
                    rounds.push(round);
                    if let Some(sep) = sep {
                        let more = input.step(|cursor| match cursor.token_tree() {
                            Some((tt, next)) if tt.to_string() == *sep => Ok((true, next)),
                            _ => Ok((false, *cursor)),
                        })?;
                        if !more {
                            break;
                        }
                    }
                }
                if *op == '+' && rounds.is_empty() {
                    return Err(input.error("repetition needs one round"));
                }
                for name in names_in(inner) {
                    let seq = rounds.iter_mut().filter_map(|r| r.remove(&name)).collect();
                    out.insert(name, Binding::Seq(seq));
                }
            }
        }
    }
    Ok(())
}

fn names_in(matchers: &[Matcher]) -> Vec<String> {
    let mut names = Vec::new();
    for m in matchers {
        match m {
            Matcher::Fragment(name, _) => names.push(name.clone()),
            Matcher::Group(_, inner) | Matcher::Repeat(inner, _, _) => {
                names.extend(names_in(inner))
            }
            Matcher::Token(_) => {}
        }
    }
    names
}

/// How many rounds a repetition in the body makes: the length of the
/// first repeated binding it uses.
fn rounds_of(body: &TokenStream, bindings: &Bindings) -> usize {
    let tokens: Vec<TokenTree> = body.clone().into_iter().collect();
    for (i, tt) in tokens.iter().enumerate() {
        match tt {
            TokenTree::Punct(p) if p.as_char() == '$' => {
                if let Some(TokenTree::Ident(name)) = tokens.get(i + 1) {
                    if let Some(Binding::Seq(seq)) = bindings.get(&name.to_string()) {
                        return seq.len();
                    }
                }
            }
            TokenTree::Group(g) => {
                let n = rounds_of(&g.stream(), bindings);
                if n > 0 {
                    return n;
                }
            }
            _ => {}
        }
    }
    0
}

/// Writes `body` with `bindings` substituted to `out`, taking the tokens
/// written from `left`; stops early when `left` runs out.
fn transcribe(body: &TokenStream, bindings: &Bindings, out: &mut TokenStream, left: &mut usize) {
    let tokens: Vec<TokenTree> = body.clone().into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        if *left == 0 {
            return;
        }
        match &tokens[i] {
            TokenTree::Punct(p) if p.as_char() == '$' => match tokens.get(i + 1) {
                Some(TokenTree::Ident(name)) if name == "crate" => {
                    out.extend([TokenTree::Ident(proc_macro2::Ident::new(
                        "crate",
                        name.span(),
                    ))]);
                    *left -= 1;
                    i += 2;
                }
                Some(TokenTree::Ident(name)) => {
                    let written = match bindings.get(&name.to_string()) {
                        Some(Binding::Leaf(tokens)) => {
                            out.extend(tokens.clone());
                            token_count(tokens)
                        }
                        _ => {
                            out.extend([tokens[i].clone(), tokens[i + 1].clone()]);
                            2
                        }
                    };
                    *left = left.saturating_sub(written);
                    i += 2;
                }
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                    let (sep, _, used) = repetition_tail(&tokens[i + 2..]);
                    let inner = g.stream();
                    for round in 0..rounds_of(&inner, bindings) {
                        if *left == 0 {
                            break;
                        }
                        if round > 0 {
                            if let Some(sep) = &sep {
                                if let Ok(sep) = sep.parse::<TokenStream>() {
                                    *left = left.saturating_sub(token_count(&sep));
                                    out.extend(sep);
                                }
                            }
                        }
                        // Each round sees the round's value of every repeated name.
                        let mut scoped = bindings.clone();
                        for (name, value) in bindings {
                            if let Binding::Seq(seq) = value {
                                if let Some(v) = seq.get(round) {
                                    scoped.insert(name.clone(), v.clone());
                                }
                            }
                        }
                        transcribe(&inner, &scoped, out, left);
                    }
                    i += 2 + used;
                }
                _ => {
                    out.extend([tokens[i].clone()]);
                    *left -= 1;
                    i += 1;
                }
            },
            TokenTree::Group(g) => {
                *left -= 1;
                let mut inner = TokenStream::new();
                transcribe(&g.stream(), bindings, &mut inner, left);
                let mut group = Group::new(g.delimiter(), inner);
                group.set_span(g.span());
                out.extend([TokenTree::Group(group)]);
                i += 1;
            }
            other => {
                out.extend([other.clone()]);
                *left -= 1;
                i += 1;
            }
        }
    }
}

/// Expands `tokens` with the first rule that matches them, taking the
/// tokens written from `left`.
fn expand(rules: &[Rule], tokens: &TokenStream, left: &mut usize) -> Option<TokenStream> {
    rules.iter().find_map(|rule| {
        let mut bindings = Bindings::default();
        let parser = |s: ParseStream<'_>| {
            match_seq(&rule.pattern, s, &mut bindings)?;
            if s.is_empty() {
                Ok(())
            } else {
                Err(s.error("tokens left"))
            }
        };
        parser.parse2(tokens.clone()).ok()?;
        let mut out = TokenStream::new();
        transcribe(&rule.body, &bindings, &mut out, left);
        Some(out)
    })
}

/// The workspace's macros, by name (the first definition of a name wins).
struct Definitions<'a> {
    texts: FxHashMap<&'a str, &'a str>,
}

impl Definitions<'_> {
    /// Items a call expands to, nested item macros expanded in turn.
    fn items(
        &self,
        name: &str,
        tokens: TokenStream,
        depth: u32,
        parsed: &mut RuleCache,
        budget: &mut Budget,
    ) -> Vec<syn::Item> {
        let Some(expansion) = self.expansion(name, &tokens, parsed, budget) else {
            return Vec::new();
        };
        let Ok(file) = syn::parse2::<syn::File>(expansion) else {
            return Vec::new();
        };
        let mut items = Vec::new();
        for item in file.items {
            match item {
                syn::Item::Macro(m) if m.ident.is_none() && depth < MAX_DEPTH => {
                    let inner = macro_name(&m.mac);
                    items.extend(self.items(
                        &inner,
                        m.mac.tokens.clone(),
                        depth + 1,
                        parsed,
                        budget,
                    ));
                }
                other => items.push(other),
            }
        }
        items
    }

    /// Impl items a call inside an impl expands to.
    fn impl_items(
        &self,
        name: &str,
        tokens: TokenStream,
        depth: u32,
        parsed: &mut RuleCache,
        budget: &mut Budget,
    ) -> Vec<syn::ImplItem> {
        let Some(expansion) = self.expansion(name, &tokens, parsed, budget) else {
            return Vec::new();
        };
        let mut wrapped: TokenStream = "impl Carve".parse().unwrap_or_default();
        wrapped.extend([TokenTree::Group(Group::new(Delimiter::Brace, expansion))]);
        let Ok(imp) = syn::parse2::<syn::ItemImpl>(wrapped) else {
            return Vec::new();
        };
        let mut items = Vec::new();
        for item in imp.items {
            match item {
                syn::ImplItem::Macro(m) if depth < MAX_DEPTH => {
                    let inner = macro_name(&m.mac);
                    items.extend(self.impl_items(
                        &inner,
                        m.mac.tokens.clone(),
                        depth + 1,
                        parsed,
                        budget,
                    ));
                }
                other => items.push(other),
            }
        }
        items
    }

    /// The expansion of one call, unless `budget` runs out.
    fn expansion(
        &self,
        name: &str,
        tokens: &TokenStream,
        parsed: &mut RuleCache,
        budget: &mut Budget,
    ) -> Option<TokenStream> {
        let text = self.texts.get(name)?;
        if budget.exhausted || budget.expansions == 0 {
            budget.exhausted = true;
            return None;
        }
        budget.expansions -= 1;
        let rules = parsed
            .entry(name.to_string())
            .or_insert_with(|| parse_rules(text));
        let expansion = expand(rules, tokens, &mut budget.tokens);
        if budget.tokens == 0 {
            budget.exhausted = true;
            return None;
        }
        let expansion = expansion?;
        // A body and its arguments each pass the file's nesting check, but
        // together (and nested expansions more so) they can nest deeper
        // than the parser's stack allows: measured as a file would be.
        if too_deep(&expansion.to_string(), MAX_NESTING).is_some() {
            budget.too_deep = true;
            return None;
        }
        Some(expansion)
    }
}

/// Rules parsed on this thread, by macro name: token streams cannot cross
/// threads, so each worker parses the definitions it needs once.
type RuleCache = FxHashMap<String, Vec<Rule>>;

fn macro_name(mac: &syn::Macro) -> String {
    mac.path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

/// Appends `extra` (extracted from an expansion at `line`) to `facts`.
fn merge(facts: &mut ModuleFacts, mut extra: ModuleFacts, line: u32) {
    let impl_offset = facts.impls.len();
    for f in &mut extra.fns {
        f.line = line;
        if let FnKind::Method(i) = f.kind {
            f.kind = FnKind::Method(i + impl_offset);
        }
        for a in &mut f.accesses {
            a.line = line;
        }
        for s in &mut f.sql {
            s.line = line;
        }
        for e in &mut f.events {
            match e {
                Event::Call { line: l, .. }
                | Event::Method { line: l, .. }
                | Event::StructLit { line: l, .. }
                | Event::ValueRef { line: l, .. }
                | Event::DieselWrite { line: l, .. } => *l = line,
                Event::DieselColumn { access, .. } => access.line = line,
                Event::Bind { .. } => {}
            }
        }
    }
    for a in &mut extra.accesses {
        a.line = line;
    }
    for s in &mut extra.sql {
        s.line = line;
    }
    facts.impls.extend(extra.impls);
    facts.fns.extend(extra.fns);
    facts.types.extend(extra.types);
    facts.accesses.extend(extra.accesses);
    facts.sql.extend(extra.sql);
    facts.uses.extend(extra.uses);
    facts.dep_paths.extend(extra.dep_paths);
    facts.dep_paths.sort();
    facts.dep_paths.dedup();
}

/// Only macros that write functions touching the database matter here;
/// the others (configuration tables, error enums) can be large and are
/// skipped rather than expanded for nothing.
fn worth_expanding(text: &str) -> bool {
    const MARKERS: &[&str] = &[
        "::table",
        "diesel::",
        "sqlx::",
        "query!",
        "query(",
        "query_as",
        "query_scalar",
        "sql_query",
        "insert_into",
        ".execute(",
        ".load(",
        ".first(",
        ".get_result",
        "Entity::",
    ];
    // Token text comes spaced out (`$ table :: table`): compare it compact.
    let compact: String = text.split_whitespace().collect();
    compact.contains("fn") && MARKERS.iter().any(|m| compact.contains(m))
}

/// Expands every recorded item-position call of a workspace macro and adds
/// what the expansions define to their modules. A call whose expansions
/// grow past [`MAX_EXPANSIONS`] or [`MAX_TOKENS`] keeps what was expanded
/// until then, with a warning; an expansion nesting deeper than
/// [`MAX_NESTING`] is not read, with a warning.
pub fn expand_all(
    records: &mut [ModuleRecord],
    root: &Path,
    tables: &TableIndex,
) -> Vec<Diagnostic> {
    let mut texts: FxHashMap<&str, &str> = FxHashMap::default();
    for record in records.iter() {
        for (name, text) in &record.facts.macro_defs {
            if worth_expanding(text) {
                texts.entry(name.as_str()).or_insert(text.as_str());
            }
        }
    }
    if texts.is_empty() {
        return Vec::new();
    }
    let wanted = |r: &ModuleRecord| {
        r.facts
            .macro_calls
            .iter()
            .any(|c| texts.contains_key(c.name.as_str()))
    };
    let jobs: Vec<(usize, Vec<MacroCall>)> = records
        .iter()
        .enumerate()
        .filter(|(_, r)| wanted(r))
        .map(|(i, r)| (i, r.facts.macro_calls.clone()))
        .collect();
    let definitions = Definitions { texts };
    let files: Vec<String> = jobs.iter().map(|(i, _)| records[*i].file.clone()).collect();
    type Expanded = (Vec<(ModuleFacts, u32)>, Vec<Diagnostic>);
    let expanded: Vec<Expanded> = jobs
        .par_iter()
        .zip(&files)
        .map(|((_, calls), file)| {
            let path = root.join(file);
            let ctx = FileContext {
                tables,
                file: &path,
                shown: file,
                mod_rs: true,
            };
            let mut cache = RuleCache::default();
            let mut out = Vec::new();
            let mut diagnostics = Vec::new();
            for call in calls {
                let Ok(tokens) = call.tokens.parse::<TokenStream>() else {
                    continue;
                };
                let mut budget = Budget::default();
                let facts = match &call.self_ty {
                    Some(self_ty) => {
                        let items =
                            definitions.impl_items(&call.name, tokens, 0, &mut cache, &mut budget);
                        let self_ty = syn::parse_str::<syn::Type>(&self_ty.join("::"));
                        match self_ty {
                            Ok(self_ty) if !items.is_empty() => {
                                let imp = syn::ItemImpl {
                                    attrs: Vec::new(),
                                    defaultness: None,
                                    unsafety: None,
                                    impl_token: Default::default(),
                                    generics: Default::default(),
                                    trait_: None,
                                    self_ty: Box::new(self_ty),
                                    brace_token: Default::default(),
                                    items,
                                };
                                Some(extract_items(&ctx, &[syn::Item::Impl(imp)]))
                            }
                            _ => None,
                        }
                    }
                    None => {
                        let items =
                            definitions.items(&call.name, tokens, 0, &mut cache, &mut budget);
                        if items.is_empty() {
                            None
                        } else {
                            Some(extract_items(&ctx, &items))
                        }
                    }
                };
                if budget.exhausted {
                    diagnostics.push(cut_expansion(&call.name).at(file.as_str(), call.line, 1));
                }
                if budget.too_deep {
                    diagnostics.push(deep_expansion(&call.name).at(file.as_str(), call.line, 1));
                }
                if let Some(facts) = facts {
                    out.push((facts, call.line));
                }
            }
            drop(cache);
            free_spans_unless_waiting();
            (out, diagnostics)
        })
        .collect();
    let mut diagnostics = Vec::new();
    for ((index, _), (results, cut)) in jobs.iter().zip(expanded) {
        for (facts, line) in results {
            merge(&mut records[*index].facts, facts, line);
        }
        diagnostics.extend(cut);
    }
    diagnostics
}

/// The warning for a call whose expansion was cut short.
fn cut_expansion(name: &str) -> Diagnostic {
    Diagnostic::warning(
        "rust-macro-too-large",
        format!(
            "expanding `{name}!` takes more than {MAX_EXPANSIONS} nested expansions or {MAX_TOKENS} tokens; only what was expanded before is read"
        ),
    )
    .with_help("functions the rest of the expansion would define are missing, and so are calls to them")
}

/// The warning for a call whose expansion nests too deep to be parsed.
fn deep_expansion(name: &str) -> Diagnostic {
    Diagnostic::warning(
        "rust-macro-too-deep",
        format!("expanding `{name}!` nests deeper than {MAX_NESTING} levels; that expansion is not read"),
    )
    .with_help("functions the expansion would define are missing, and so are calls to them")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_text(def: &str, call: &str) -> Option<String> {
        let rules = parse_rules(def);
        let mut left = MAX_TOKENS;
        expand(&rules, &call.parse().unwrap(), &mut left).map(|t| t.to_string())
    }

    #[test]
    fn a_repetition_that_takes_no_token_ends() {
        assert!(expand_text("($()*) => { fn f() {} };", "a").is_none());
        let out = expand_text("($()* $name:ident) => { fn $name() {} };", "a").unwrap();
        assert!(out.contains("fn a"), "{out}");
    }

    #[test]
    fn a_call_that_multiplies_is_cut_with_a_warning() {
        let def = format!(
            "() => {{ fn f() {{ diesel::insert_into(users::table); }} {} }};",
            "m!(); ".repeat(30)
        );
        let mut records = records_calling(def, String::new(), 2);
        let diagnostics = expand_all(&mut records, Path::new("."), &TableIndex::default());
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(diagnostics[0].code, "rust-macro-too-large");
        assert_eq!(diagnostics[0].line, Some(2));
        let fns = records[0].facts.fns.len();
        assert!(fns > 0 && fns <= MAX_EXPANSIONS, "{fns} functions");
    }

    /// One module defining `m!` as `def` and calling it with `tokens`.
    fn records_calling(def: String, tokens: String, line: u32) -> Vec<ModuleRecord> {
        let facts = ModuleFacts {
            macro_defs: vec![("m".into(), def)],
            macro_calls: vec![MacroCall {
                name: "m".into(),
                self_ty: None,
                tokens,
                line,
            }],
            ..ModuleFacts::default()
        };
        vec![ModuleRecord {
            crate_index: 0,
            path: Vec::new(),
            file: "src/lib.rs".into(),
            parent: None,
            facts,
        }]
    }

    #[test]
    fn an_expansion_nesting_deeper_than_a_file_may_is_not_parsed() {
        // Body and argument each nest 300 levels, well within a file's
        // limit; the expansion nests 600. Parsing it on a test thread's
        // stack would overflow.
        let (open, close) = ("(".repeat(300), ")".repeat(300));
        let def = format!(
            "($x:tt) => {{ fn f() {{ diesel::insert_into(users::table); }} fn g() {{ {open} $x {close} }} }};"
        );
        let mut records = records_calling(def.clone(), format!("{open}{close}"), 7);
        let diagnostics = expand_all(&mut records, Path::new("."), &TableIndex::default());
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(diagnostics[0].code, "rust-macro-too-deep");
        assert_eq!(diagnostics[0].line, Some(7));
        assert!(records[0].facts.fns.is_empty());

        // The same macro with a shallow argument is read.
        let mut records = records_calling(def, "(())".into(), 7);
        let diagnostics = expand_all(&mut records, Path::new("."), &TableIndex::default());
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(records[0].facts.fns.len(), 2);
    }

    #[test]
    fn expands_fragments_and_repetitions() {
        let def = r#"
            ($table:ident, $fn:ident, $($col:ident as $ty:ty),+) => {
                pub fn $fn(conn: &Conn, $($col: $ty),+) -> Result<Self> {
                    $table::table $(.filter($table::$col.eq($col)))+ .first(conn)
                }
            };
        "#;
        let out = expand_text(def, "posts, find_by_slug, slug as &str, blog_id as i32").unwrap();
        let file = syn::parse_file(&format!("impl X {{ {out} }}")).unwrap();
        let syn::Item::Impl(imp) = &file.items[0] else {
            panic!("{out}")
        };
        let syn::ImplItem::Fn(f) = &imp.items[0] else {
            panic!("{out}")
        };
        assert_eq!(f.sig.ident, "find_by_slug");
        assert_eq!(f.sig.inputs.len(), 3);
        let compact: String = out.split_whitespace().collect();
        assert!(compact.contains("posts::slug.eq(slug)"), "{out}");
        assert!(compact.contains("posts::blog_id.eq(blog_id)"), "{out}");
    }

    #[test]
    fn tries_rules_in_order() {
        let def = r#"
            ($table:ident) => { fn one() { $table::table } };
            ($table:ident, $from:ty) => { fn two(new: $from) { $table::table } };
        "#;
        assert!(expand_text(def, "posts").unwrap().contains("fn one"));
        assert!(expand_text(def, "posts, NewPost")
            .unwrap()
            .contains("fn two"));
        assert!(expand_text(def, "1 2 3").is_none());
    }
}
