//! A multi-tenant SaaS monolith (fixtures/saas): nearly every table carries
//! `workspace_id`, and the links to the tenant must not decide where a
//! table goes.

mod common;

use common::{carve_stdout, fixtures_dir};
use serde_json::Value;

fn analyze(extra: &[&str]) -> Value {
    let saas = fixtures_dir().join("saas");
    let truth = saas.join("truth.csv");
    let mut args = vec![
        "analyze".to_string(),
        saas.display().to_string(),
        "--truth".to_string(),
        truth.display().to_string(),
        "--format".to_string(),
        "json".to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    serde_json::from_str(&carve_stdout(&saas, &args)).unwrap()
}

#[test]
fn the_proposal_follows_the_domains_not_the_tenant() {
    let report = analyze(&[]);
    let ari = report["agreement"]["ari"].as_f64().unwrap();
    assert!(ari >= 0.8, "ARI {ari} against fixtures/saas/truth.csv");
    let services = report["services"].as_array().unwrap();
    let total: usize = services
        .iter()
        .map(|s| s["tables"].as_array().unwrap().len())
        .sum();
    assert!(services.len() >= 5, "{} services", services.len());
    for service in services {
        let size = service["tables"].as_array().unwrap().len();
        assert!(
            size * 100 <= total * 40,
            "service {} holds {size} of {total} tables",
            service["name"]
        );
    }
}

#[test]
fn the_tenant_and_owner_tables_are_shared() {
    let report = analyze(&[]);
    let tenants: Vec<(&str, &str)> = report["shared_tables"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["reason"] == "tenant")
        .map(|s| (s["table"].as_str().unwrap(), s["owner"].as_str().unwrap()))
        .collect();
    assert!(
        tenants.iter().any(|(t, _)| *t == "workspaces"),
        "{tenants:?}"
    );
    assert!(tenants.iter().any(|(t, _)| *t == "users"), "{tenants:?}");
    // The workspace keeps its own satellites: members, invitations, settings.
    let owner = tenants.iter().find(|(t, _)| *t == "workspaces").unwrap().1;
    let service = report["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == owner)
        .unwrap();
    let tables: Vec<&str> = service["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(tables.contains(&"workspace_members"), "{tables:?}");
    assert!(tables.contains(&"workspace_invitations"), "{tables:?}");
}

#[test]
fn the_schema_alone_still_finds_the_domains() {
    let report = analyze(&["--signals", "fk,inferred-fk,names"]);
    let ari = report["agreement"]["ari"].as_f64().unwrap();
    assert!(ari >= 0.7, "ARI {ari} from the schema alone");
}
