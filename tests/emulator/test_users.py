"""GET /api/v1/users and GET /api/v1/users/{id}: lookup, pagination, filter / search / q."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from emu_helpers import Api, assert_error

from okta_dbapi.emulator import Emulator


def walk(api: Api, **params: str) -> tuple[list[dict], list[str]]:
    users, links = [], []
    r = api.get("/api/v1/users", params=params)
    while True:
        assert r.status_code == 200, r.text
        users += r.json()
        links.append(r.headers["Link"])
        nxt = r.links.get("next", {}).get("url")
        if not nxt:
            return users, links
        r = api.s.get(nxt, timeout=10)


def test_get_user_by_id_login_and_shortname(emu: Emulator, api: Api) -> None:
    uid = emu.org.user_ids()[0]
    body = api.get(f"/api/v1/users/{uid}").json()
    assert body["id"] == uid and body["_links"]["self"]["href"] == f"{emu.url}/api/v1/users/{uid}"
    assert "resetFactors" in body["_links"]  # a single user carries its lifecycle links
    login = body["profile"]["login"]
    assert api.get(f"/api/v1/users/{login}").json()["id"] == uid
    assert api.get(f"/api/v1/users/{login.split('@')[0].upper()}").json()["id"] == uid
    assert emu.org.user(login) == emu.org.user(uid)


def test_get_unknown_user_is_404(api: Api) -> None:
    body = assert_error(api.get("/api/v1/users/00uNOPE"), 404, "E0000007")
    assert body["errorSummary"] == "Not found: Resource not found: 00uNOPE (User)"


def test_pagination_walk_is_complete_and_links_absolute(emu: Emulator, api: Api) -> None:
    users, links = walk(api, limit="7")
    ids = [u["id"] for u in users]
    assert ids == emu.org.user_ids(include_deprovisioned=False)  # no dups, none missing, stable order
    assert ids == sorted(ids)
    assert all(u["status"] != "DEPROVISIONED" for u in users)
    assert all(set(u["_links"]) == {"self"} for u in users)
    for link in links:
        assert f"<{emu.url}/api/v1/users?" in link and 'rel="self"' in link
    assert all('rel="next"' in link for link in links[:-1]) and 'rel="next"' not in links[-1]
    nxt = links[0].split(", ")[1]
    query = parse_qs(urlsplit(nxt.split(">")[0].lstrip("<")).query)
    assert query["limit"] == ["7"] and query["after"] == [ids[6]]


def test_link_uses_host_header(api: Api) -> None:
    r = api.get("/api/v1/users", params={"limit": "1"}, headers={"Host": "acme.example:1234"})
    assert r.links["next"]["url"].startswith("http://acme.example:1234/api/v1/users?after=")


def test_limit_default_and_cap() -> None:
    with Emulator(users=450, seed=3) as emu:
        api = Api(emu)
        assert len(api.get("/api/v1/users").json()) == 200
        assert len(api.get("/api/v1/users", params={"limit": "1000"}).json()) == 200
        users, _ = walk(api)
        assert len(users) == len(emu.org.user_ids(include_deprovisioned=False))


def test_bad_limit_and_cursor(api: Api) -> None:
    assert_error(api.get("/api/v1/users", params={"limit": "abc"}), 400, "E0000001")
    assert_error(api.get("/api/v1/users", params={"limit": "0"}), 400, "E0000001")
    assert_error(api.get("/api/v1/users", params={"after": "garbage"}), 400, "E0000001")


def test_filter_status_includes_deprovisioned(emu: Emulator, api: Api) -> None:
    deprov = [u for u in emu.org.user_ids() if emu.org.user(u)["status"] == "DEPROVISIONED"]
    assert deprov, "seed 7 should have deprovisioned users"
    got = api.get("/api/v1/users", params={"filter": 'status eq "DEPROVISIONED"'}).json()
    assert [u["id"] for u in got] == deprov


def test_filter_combinations(emu: Emulator, api: Api) -> None:
    all_users = [emu.org.user(u) for u in emu.org.user_ids()]
    pivot = sorted(u["lastUpdated"] for u in all_users)[len(all_users) // 2]
    expr = f'lastUpdated gt "{pivot}" and (status eq "ACTIVE" or status eq "LOCKED_OUT")'
    got = {u["id"] for u in api.get("/api/v1/users", params={"filter": expr}).json()}
    want = {u["id"] for u in all_users if u["lastUpdated"] > pivot and u["status"] in ("ACTIVE", "LOCKED_OUT")}
    assert got == want and got
    login = all_users[3]["profile"]["login"]
    got2 = api.get("/api/v1/users", params={"filter": f'profile.login eq "{login}" or id eq "{all_users[5]["id"]}"'})
    assert [u["id"] for u in got2.json()] == [all_users[3]["id"], all_users[5]["id"]]


def test_invalid_filters(api: Api) -> None:
    for expr in [
        'status eq "ACTIVE" and',
        "status eq ACTIVE",
        'profile.department eq "X"',
        'status sw "A"',
        'lastUpdated gt "yesterday"',
        '(status eq "ACTIVE"',
        'status ne "ACTIVE"',
    ]:
        body = assert_error(api.get("/api/v1/users", params={"filter": expr}), 400, "E0000031")
        assert body["errorSummary"] == "Invalid search criteria." and body["errorCauses"], expr


def test_search(emu: Emulator, api: Api) -> None:
    all_users = [emu.org.user(u) for u in emu.org.user_ids()]
    got = api.get("/api/v1/users", params={"search": 'profile.department eq "engineering"'}).json()
    assert {u["id"] for u in got} == {u["id"] for u in all_users if u["profile"]["department"] == "Engineering"}
    expr = 'profile.department eq "Sales" and (status eq "ACTIVE" or status eq "SUSPENDED")'
    got = api.get("/api/v1/users", params={"search": expr}).json()
    want = [
        u["id"] for u in all_users if u["profile"]["department"] == "Sales" and u["status"] in ("ACTIVE", "SUSPENDED")
    ]
    assert [u["id"] for u in got] == want
    first = all_users[0]["profile"]["firstName"]
    got = api.get("/api/v1/users", params={"search": f'profile.firstName sw "{first[:2]}"'}).json()
    assert all(u["profile"]["firstName"].lower().startswith(first[:2].lower()) for u in got) and got
    assert_error(api.get("/api/v1/users", params={"search": 'profile.department co "x"'}), 400, "E0000031")
    assert_error(api.get("/api/v1/users", params={"search": 'credentials.x eq "y"'}), 400, "E0000031")


def test_q_prefix_match(emu: Emulator, api: Api) -> None:
    u = emu.org.user(emu.org.user_ids()[0])
    assert u is not None
    got = api.get("/api/v1/users", params={"q": u["profile"]["lastName"][:3].lower()})
    assert got.status_code == 200 and 'rel="next"' not in got.headers["Link"]
    assert u["id"] in [x["id"] for x in got.json()] and len(got.json()) <= 10
    assert all(x["status"] != "DEPROVISIONED" for x in got.json())
    assert api.get("/api/v1/users", params={"q": "zzzzz"}).json() == []


def test_add_user_appears_last_and_is_findable(emu: Emulator, api: Api) -> None:
    new = emu.org.add_user({"login": "new.person@example.com", "department": "Legal"}, status="STAGED")
    assert new["status"] == "STAGED" and new["activated"] is None
    ids = emu.org.user_ids()
    assert ids[-1] == new["id"] and len(ids) == 41
    assert api.get("/api/v1/users/new.person@example.com").json()["id"] == new["id"]
    got = api.get("/api/v1/users", params={"search": 'profile.department eq "Legal"'}).json()
    assert new["id"] in [u["id"] for u in got]


def test_deterministic_given_seed() -> None:
    with Emulator(users=20, seed=5) as a, Emulator(users=20, seed=5) as b, Emulator(users=20, seed=6) as c:
        assert a.org.user_ids() == b.org.user_ids() != c.org.user_ids()
        uid = a.org.user_ids()[4]
        assert a.org.user(uid)["profile"] == b.org.user(uid)["profile"]
        strip = lambda fs: [{k: v for k, v in f.items() if k not in ("_links", "_embedded")} for f in fs]  # noqa: E731
        assert strip(a.org.factors(uid)) == strip(b.org.factors(uid))
