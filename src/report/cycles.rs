//! Cycles as a person reads them. The proposal lists every dependency carve
//! cut to order the services, one entry per cut: a knot of five services
//! takes several cuts, each on a smaller knot left by the one before. A
//! report shows each knot once, with all the cuts made in it.

use crate::model::Cycle;

/// Services that depend on each other and the links cut among them, in the
/// order carve cut them: each the weakest still closing a cycle.
pub(crate) struct CycleGroup<'p> {
    pub services: &'p [String],
    pub cuts: Vec<&'p Cycle>,
}

/// Groups the cuts by the knot they were made in. Knots are disjoint and
/// each cut's services lie within its knot, whose own first cut names all
/// of them; groups come in the order of their first cut.
pub(crate) fn cycle_groups(cycles: &[Cycle]) -> Vec<CycleGroup<'_>> {
    let mut groups: Vec<CycleGroup<'_>> = Vec::new();
    for cycle in cycles {
        let home = groups.iter_mut().find(|group| {
            cycle
                .services
                .iter()
                .all(|service| group.services.contains(service))
        });
        match home {
            Some(group) => group.cuts.push(cycle),
            None => groups.push(CycleGroup {
                services: &cycle.services,
                cuts: vec![cycle],
            }),
        }
    }
    groups
}

/// `a → b (1 FK), c → d (2 reads)`: the cuts with what each rests on, each
/// link between `quote`s (`` ` `` for markdown, nothing for plain text).
pub(crate) fn describe_cuts(cuts: &[&Cycle], quote: &str) -> String {
    cuts.iter()
        .map(|cut| {
            let (from, to) = &cut.weakest_link;
            if cut.evidence.is_empty() {
                format!("{quote}{from} → {to}{quote}")
            } else {
                format!("{quote}{from} → {to}{quote} ({})", cut.evidence)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(services: &[&str], from: &str, to: &str, evidence: &str) -> Cycle {
        Cycle {
            services: services.iter().map(|s| s.to_string()).collect(),
            weakest_link: (from.to_string(), to.to_string()),
            evidence: evidence.to_string(),
            reason: String::new(),
        }
    }

    #[test]
    fn cuts_in_one_knot_share_a_group_and_separate_knots_do_not() {
        let cycles = vec![
            cut(&["a", "b", "c"], "a", "b", "1 read"),
            cut(&["x", "y"], "y", "x", "1 FK"),
            cut(&["b", "c"], "c", "b", "2 reads"),
        ];
        let groups = cycle_groups(&cycles);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].services, ["a", "b", "c"]);
        assert_eq!(
            describe_cuts(&groups[0].cuts, ""),
            "a → b (1 read), c → b (2 reads)"
        );
        assert_eq!(
            describe_cuts(&groups[0].cuts, "`"),
            "`a → b` (1 read), `c → b` (2 reads)"
        );
        assert_eq!(groups[1].services, ["x", "y"]);
        assert_eq!(describe_cuts(&groups[1].cuts, ""), "y → x (1 FK)");
    }
}
