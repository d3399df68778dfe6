"""Every write endpoint refuses another organisation's key and an integrator's key (403,
problem+json), and changes nothing; the table is checked against the app's routes, so that a
new write endpoint (in the OpenAPI document) without a test here fails."""

from __future__ import annotations

from sihub_shared.identity import Role

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


async def test_every_write_endpoint_denies_other_organisations_and_integrators(registry, new_actor):
    owner = registry.partner()
    actor = await owner.create("/actors", new_actor("Busan Care Cooperative", kind="cooperative", region="KR-26",
                                                    contacts=[{"email": "care@busan.example"}]))
    peer = await owner.create("/actors", new_actor("Haeundae Clinic", region="KR-26"))
    hub = await owner.create("/actors", new_actor("Social Campus On Busan", kind="hub_intermediary", region="KR-26"))
    programme = await owner.create("/programmes", {"hub_id": hub["id"], "names": [{"value": "Academy", "lang": "en"}],
                                                   "cohorts": [{"name": "2026"}]})
    cohort = programme["cohorts"][0]
    membership = await owner.create("/memberships", {"programme_id": programme["id"], "cohort_id": cohort["id"],
                                                     "actor_id": actor["id"]})
    project = await owner.create("/projects", {"actor_id": actor["id"], "country": "KR", "title": [{"value": "Care", "lang": "en"}]})
    case = await owner.create("/case-studies", {"country": "KR", "title": [{"value": "Care at home", "lang": "en"}],
                                                "actor_ids": [actor["id"]]})
    partnership = await owner.create("/partnerships", {"actor_ids": [actor["id"], peer["id"]], "type": "co_delivery"})
    someone = registry.partner().account_id

    new_actor_body = new_actor("Another Organisation")
    endpoints = [
        # (method, route, path, body, a stranger partner may do it for itself)
        ("POST", "/actors", "/actors", new_actor_body, True),
        ("PATCH", "/actors/{actor_id}", f"/actors/{actor['id']}", {"locality": "x"}, False),
        ("DELETE", "/actors/{actor_id}", f"/actors/{actor['id']}", None, False),
        ("POST", "/actors/import", "/actors/import", [new_actor_body], True),
        ("PUT", "/hubs/{hub_id}/operators/{account_id}", f"/hubs/{hub['id']}/operators/{someone}", None, False),
        ("DELETE", "/hubs/{hub_id}/operators/{account_id}", f"/hubs/{hub['id']}/operators/{someone}", None, False),
        ("POST", "/programmes", "/programmes", {"hub_id": hub["id"], "names": [{"value": "Mine", "lang": "en"}]}, False),
        ("PATCH", "/programmes/{programme_id}", f"/programmes/{programme['id']}", {"starts_on": "2026-01-01"}, False),
        ("DELETE", "/programmes/{programme_id}", f"/programmes/{programme['id']}", None, False),
        ("POST", "/cohorts", "/cohorts", {"programme_id": programme["id"], "name": "Mine"}, False),
        ("PATCH", "/cohorts/{cohort_id}", f"/cohorts/{cohort['id']}", {"name": "x"}, False),
        ("DELETE", "/cohorts/{cohort_id}", f"/cohorts/{cohort['id']}", None, False),
        ("POST", "/memberships", "/memberships", {"programme_id": programme["id"], "actor_id": peer["id"]}, False),
        ("PATCH", "/memberships/{membership_id}", f"/memberships/{membership['id']}", {"role": "x"}, False),
        ("DELETE", "/memberships/{membership_id}", f"/memberships/{membership['id']}", None, False),
        ("POST", "/projects", "/projects", {"actor_id": actor["id"], "country": "KR", "title": [{"value": "Mine", "lang": "en"}]}, False),
        ("PATCH", "/projects/{project_id}", f"/projects/{project['id']}", {"status": "active"}, False),
        ("DELETE", "/projects/{project_id}", f"/projects/{project['id']}", None, False),
        ("POST", "/case-studies", "/case-studies", {"country": "KR", "title": [{"value": "Mine", "lang": "en"}]}, True),
        ("PATCH", "/case-studies/{case_study_id}", f"/case-studies/{case['id']}", {"year": 2020}, False),
        ("DELETE", "/case-studies/{case_study_id}", f"/case-studies/{case['id']}", None, False),
        ("POST", "/partnerships", "/partnerships", {"actor_ids": [actor["id"], peer["id"]], "type": "funding"}, False),
        ("PATCH", "/partnerships/{partnership_id}", f"/partnerships/{partnership['id']}", {"status": "active"}, False),
        ("DELETE", "/partnerships/{partnership_id}", f"/partnerships/{partnership['id']}", None, False),
        # only the named actor's owner answers for it
        *[("PUT", f"/{kind}/{{{key}}}/confirmations/{{actor_id}}", f"/{kind}/{record['id']}/confirmations/{actor['id']}",
           {"state": "declined"}, False)
          for kind, key, record in (("memberships", "membership_id", membership), ("projects", "project_id", project),
                                    ("case-studies", "case_study_id", case), ("partnerships", "partnership_id", partnership))],
    ]

    routes = {(method.upper(), path.removeprefix("/api/v1/registry")) for path, operations in registry.app.openapi()["paths"].items()
              for method in operations if method.upper() in WRITE_METHODS}
    assert routes == {(method, route) for method, route, *_ in endpoints}

    events_before = len(await registry.events())
    strangers = [registry.partner(), registry.caller(Role.hub_operator), registry.caller(Role.partner, Role.hub_operator)]
    integrator = registry.caller(Role.integrator)
    for method, route, path, body, open_to_all in endpoints:
        headers = {}
        if method in ("PATCH", "DELETE") and "operators" not in route:
            headers["If-Match"] = (await owner.get(path)).headers["ETag"]
        callers = [integrator] if open_to_all else [integrator, *strangers]
        for caller in callers:
            response = await caller.request(method, path, json=body, headers=headers)
            assert response.status_code == 403, (method, path, caller.roles, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["errors"][0]["field"]
            if caller is integrator:  # refused for its key's role, whatever the record: the key is the field
                assert response.json()["errors"] == [
                    {"field": "Authorization", "in": "header", "message": "read-only key"}], (method, path)
    assert len(await registry.events()) == events_before
    assert (await owner.get(f"/actors/{actor['id']}")).json()["version"] == 1
    assert (await owner.get(f"/hubs/{hub['id']}/operators")).json()["operators"] == []

    # Reading is open to every key, the integrator's too; contacts only to the owner and admins.
    for path in (f"/actors/{actor['id']}", f"/programmes/{programme['id']}", f"/cohorts/{cohort['id']}",
                 f"/memberships/{membership['id']}", f"/projects/{project['id']}", f"/case-studies/{case['id']}",
                 f"/partnerships/{partnership['id']}", "/taxonomy"):
        assert (await integrator.get(path)).status_code == 200, path
    assert (await integrator.get(f"/actors/{actor['id']}")).json()["contacts"] is None
    assert (await registry.admin.get(f"/actors/{actor['id']}")).json()["contacts"] == [{
        "email": "care@busan.example", "name": None, "role": None, "phone": None}]
    anonymous = await registry.client.get(f"/api/v1/registry/actors/{actor['id']}")
    assert anonymous.status_code == 401
