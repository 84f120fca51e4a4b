"""Wire-level tests of `client.products.team` and `client.orgs.team`: people and API users of a
product's or an organization's team. Every operation is checked in both scopes (method, path,
query, body and headers exactly), with both answer shapes, the API user's token kept out of
reprs, logs and messages, and every argument check that must fire before any request."""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import respx
from pydantic import SecretStr

import aioparticle
from aioparticle import (
    APIError,
    APIResponseValidationError,
    ApiUser,
    ApiUserToken,
    ApiUserWithToken,
    InternalServerError,
    InvalidArgumentError,
    OrgsTeam,
    ParticleClient,
    ProductsTeam,
    TeamMember,
    TeamRole,
)
from tests.conftest import load
from tests.unit._wire import (
    BAD_PRODUCTS,
    NO_BODY,
    BadInput,
    OpenCall,
    bad_input_grid,
    bad_segments,
    check_request,
    only_request,
    reply,
)

pytestmark = pytest.mark.anyio

TEAM_BODY = load("teams/team.json")

API_USER = "ci-bot+abc123@api.particle.io"
#: how API_USER travels as one path segment
API_USER_SEGMENT = "ci-bot%2Babc123%40api.particle.io"
#: an API user's token, distinctive enough to grep for
USER_TOKEN = "c0ffee00d15ea5e0ba5eba11deadbeef00c0ffee"
NEW_TOKEN = "feedface0badf00d0ddba11cafebabe00facade"


@dataclass(frozen=True)
class Scope:
    """A team's scope: which sub-client, its keyword and the path prefix it must produce."""

    group: str  # "products" or "orgs"
    kwargs: dict[str, Any]
    prefix: str

    def team(self, client: ParticleClient) -> Any:
        return client.products.team if self.group == "products" else client.orgs.team


SCOPE_LIST = [
    pytest.param(Scope("products", {"product": 4567}, "/v1/products/4567"), id="product-id"),
    pytest.param(
        Scope("products", {"product": "my-product"}, "/v1/products/my-product"),
        id="product-slug",
    ),
    pytest.param(Scope("orgs", {"org": "acme"}, "/v1/orgs/acme"), id="org-slug"),
    pytest.param(
        Scope("orgs", {"org": "5f3c9e1d5b2a8e6f4c0d9b7a"}, "/v1/orgs/5f3c9e1d5b2a8e6f4c0d9b7a"),
        id="org-id",
    ),
    pytest.param(Scope("orgs", {"org": "acme inc+"}, "/v1/orgs/acme%20inc%2B"), id="org-encoded"),
]
SCOPES = pytest.mark.parametrize("scope", SCOPE_LIST)
PRODUCT = Scope("products", {"product": 4567}, "/v1/products/4567")
ORG = Scope("orgs", {"org": "acme"}, "/v1/orgs/acme")
BOTH = pytest.mark.parametrize("scope", [PRODUCT, ORG], ids=["product", "org"])


def created(**fields: Any) -> dict[str, Any]:
    """The create answer: the new API user and its one token."""
    return {
        "ok": True,
        "created": {
            "username": API_USER,
            "is_programmatic": True,
            "tokens": [{"token": USER_TOKEN}],
            **fields,
        },
    }


def updated(token: str | None = NEW_TOKEN, **fields: Any) -> dict[str, Any]:
    """The update or regenerate answer, with the new token or (`token=None`) without one."""
    body: dict[str, Any] = {"username": API_USER, **fields}
    if token is not None:
        body["tokens"] = [{"token": token}]
    return {"ok": True, "updated": body}


# =========================================================================== list


@SCOPES
@pytest.mark.parametrize(
    "body", [{"ok": True, "team": TEAM_BODY}, TEAM_BODY], ids=["wrapped", "bare-array"]
)
async def test_list(client: ParticleClient, api: respx.MockRouter, scope: Scope, body: Any) -> None:
    reply(api, body)

    team = await scope.team(client).list(**scope.kwargs)

    check_request(only_request(api), "GET", f"{scope.prefix}/team")
    assert isinstance(team, list)
    assert all(isinstance(member, TeamMember) for member in team)
    alice, bob, bot = team
    assert alice.username == "alice@example.com"
    assert alice.id == "5f3c9e1d5b2a8e6f4c0d9b7a"
    assert alice.role == TeamRole(id="000000000000000000000001", name="Administrator")
    assert (alice.no_mfa, alice.scim_provisioned, alice.no_password) == (False, True, True)
    assert alice.is_programmatic is None
    assert alice.scopes == []
    assert alice.model_extra == {}
    assert bob.role == "View-only"  # a plain string is kept as the role's name
    assert bob.id == "5f3c9e1d5b2a8e6f4c0d9b7b"
    assert bot.username == API_USER
    assert bot.id is None
    assert bot.role is None
    assert bot.is_programmatic is True
    assert bot.friendly_name == "CI bot"
    assert bot.scopes == ["devices:list", "firmware:create"]
    assert bot.product_id == 4567
    assert bot.model_extra == {"created_at": "2025-01-01T00:00:00Z"}


@BOTH
async def test_list_of_an_empty_team(
    client: ParticleClient, api: respx.MockRouter, scope: Scope
) -> None:
    reply(api, {"ok": True, "team": []})

    assert await scope.team(client).list(**scope.kwargs) == []
    check_request(only_request(api), "GET", f"{scope.prefix}/team")


def test_team_member_dumps_its_id_under_the_wire_name() -> None:
    member = TeamMember.model_validate(TEAM_BODY[0])
    assert member.model_dump()["_id"] == "5f3c9e1d5b2a8e6f4c0d9b7a"
    assert TeamMember(username="a@b.c", id="x").id == "x"  # by name too


# =========================================================================== invite


@SCOPES
@pytest.mark.parametrize(
    ("role", "body"),
    [
        (None, {"username": "bob+test@example.com"}),
        ("Developer", {"username": "bob+test@example.com", "role": "Developer"}),
        ("View-only", {"username": "bob+test@example.com", "role": "View-only"}),
        # roles are the cloud's to define: one the SDK does not know travels as given
        ("Billing", {"username": "bob+test@example.com", "role": "Billing"}),
    ],
    ids=["no-role", "developer", "view-only", "other-role"],
)
async def test_invite(
    client: ParticleClient,
    api: respx.MockRouter,
    scope: Scope,
    role: str | None,
    body: dict[str, str],
) -> None:
    reply(api, {"ok": True, "invited": {"username": "bob+test@example.com"}})

    kwargs = {**scope.kwargs} if role is None else {**scope.kwargs, "role": role}
    result = await scope.team(client).invite("bob+test@example.com", **kwargs)

    check_request(only_request(api), "POST", f"{scope.prefix}/team", body=body)
    assert result is None


@BOTH
async def test_invite_not_ok_raises(
    client: ParticleClient, api: respx.MockRouter, scope: Scope
) -> None:
    reply(api, {"ok": False, "error": "already a member"})

    with pytest.raises(APIError, match="already a member"):
        await scope.team(client).invite("bob@example.com", **scope.kwargs)


@BOTH
async def test_invite_is_not_retried(
    client: ParticleClient, api: respx.MockRouter, scope: Scope
) -> None:
    route = reply(api, {"error": "busy"}, status=503)

    with pytest.raises(InternalServerError):
        await scope.team(client).invite("bob@example.com", **scope.kwargs)
    assert route.call_count == 1


# =========================================================================== remove


@SCOPES
async def test_remove_encodes_the_username_as_one_segment(
    client: ParticleClient, api: respx.MockRouter, scope: Scope
) -> None:
    reply(api, {"ok": True})

    result = await scope.team(client).remove(API_USER, **scope.kwargs)

    check_request(only_request(api), "DELETE", f"{scope.prefix}/team/{API_USER_SEGMENT}")
    assert result is None


@BOTH
async def test_remove_encodes_spaces_and_unicode(
    client: ParticleClient, api: respx.MockRouter, scope: Scope
) -> None:
    reply(api, status=204)

    await scope.team(client).remove("zoë smith@example.com", **scope.kwargs)

    check_request(
        only_request(api), "DELETE", f"{scope.prefix}/team/zo%C3%AB%20smith%40example.com"
    )


@BOTH
async def test_remove_not_ok_raises(
    client: ParticleClient, api: respx.MockRouter, scope: Scope
) -> None:
    reply(api, {"ok": False, "error": "not a member"})

    with pytest.raises(APIError, match="not a member"):
        await scope.team(client).remove("bob@example.com", **scope.kwargs)


# =========================================================================== create_api_user


@SCOPES
@pytest.mark.parametrize("wrapped", [True, False], ids=["wrapped", "unwrapped"])
async def test_create_api_user(
    client: ParticleClient, api: respx.MockRouter, scope: Scope, wrapped: bool
) -> None:
    answer = created()
    reply(api, answer if wrapped else answer["created"])

    user = await scope.team(client).create_api_user(
        "CI bot", ("devices:list", "firmware:create"), **scope.kwargs
    )

    check_request(
        only_request(api),
        "POST",
        f"{scope.prefix}/team",
        body={"friendly_name": "CI bot", "scopes": ["devices:list", "firmware:create"]},
    )
    assert isinstance(user, ApiUserWithToken)  # its token is typed SecretStr, never None
    assert user.username == API_USER
    assert user.is_programmatic is True
    assert isinstance(user.token, SecretStr)
    assert user.token.get_secret_value() == USER_TOKEN
    assert [t.token.get_secret_value() for t in user.tokens] == [USER_TOKEN]
    assert user.model_extra == {}


@BOTH
async def test_create_api_user_keeps_what_else_the_answer_says(
    client: ParticleClient, api: respx.MockRouter, scope: Scope
) -> None:
    reply(api, created(friendly_name="CI bot", scopes=["devices:list"], org="acme"))

    user = await scope.team(client).create_api_user("CI bot", ["devices:list"], **scope.kwargs)

    assert user.friendly_name == "CI bot"
    assert user.scopes == ["devices:list"]
    assert user.model_extra == {"org": "acme"}


@BOTH
async def test_create_api_user_is_not_retried(
    client: ParticleClient, api: respx.MockRouter, scope: Scope
) -> None:
    route = reply(api, {"error": "busy"}, status=503)

    with pytest.raises(InternalServerError):
        await scope.team(client).create_api_user("CI bot", ["devices:list"], **scope.kwargs)
    assert route.call_count == 1


# =========================================================================== update_api_user


@SCOPES
@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"friendly_name": "Renamed"}, {"friendly_name": "Renamed"}),
        ({"scopes": ["devices:list"]}, {"scopes": ["devices:list"]}),
        (
            {"friendly_name": "Renamed", "scopes": ("devices:list", "sims:list")},
            {"friendly_name": "Renamed", "scopes": ["devices:list", "sims:list"]},
        ),
        ({"friendly_name": "Renamed", "scopes": None}, {"friendly_name": "Renamed"}),
    ],
    ids=["name", "scopes", "both", "scopes-None-not-sent"],
)
async def test_update_api_user(
    client: ParticleClient,
    api: respx.MockRouter,
    scope: Scope,
    kwargs: dict[str, Any],
    body: dict[str, Any],
) -> None:
    reply(api, updated(scopes=["devices:list"]))

    user = await scope.team(client).update_api_user(API_USER, **scope.kwargs, **kwargs)

    check_request(only_request(api), "PUT", f"{scope.prefix}/team/{API_USER_SEGMENT}", body=body)
    assert isinstance(user, ApiUser)
    assert user.username == API_USER
    assert user.scopes == ["devices:list"]
    assert user.token is not None
    assert user.token.get_secret_value() == NEW_TOKEN


@BOTH
@pytest.mark.parametrize(
    "answer",
    [
        updated(token=None, friendly_name="Renamed"),
        updated(token=None, friendly_name="Renamed")["updated"],
    ],
    ids=["wrapped", "unwrapped"],
)
async def test_update_api_user_answer_without_a_token(
    client: ParticleClient, api: respx.MockRouter, scope: Scope, answer: dict[str, Any]
) -> None:
    reply(api, answer)

    user = await scope.team(client).update_api_user(
        API_USER, **scope.kwargs, friendly_name="Renamed"
    )

    assert user.friendly_name == "Renamed"
    assert user.token is None
    assert user.tokens == []


@BOTH
async def test_update_api_user_is_not_retried(
    client: ParticleClient, api: respx.MockRouter, scope: Scope
) -> None:
    route = reply(api, {"error": "busy"}, status=503)

    with pytest.raises(InternalServerError):
        await scope.team(client).update_api_user(API_USER, **scope.kwargs, scopes=["a:b"])
    assert route.call_count == 1


# =========================================================================== regenerate_token


@SCOPES
@pytest.mark.parametrize("wrapped", [True, False], ids=["wrapped", "unwrapped"])
async def test_regenerate_token(
    client: ParticleClient, api: respx.MockRouter, scope: Scope, wrapped: bool
) -> None:
    answer = updated()
    reply(api, answer if wrapped else answer["updated"])

    user = await scope.team(client).regenerate_token(API_USER, **scope.kwargs)

    check_request(
        only_request(api), "PUT", f"{scope.prefix}/team/{API_USER_SEGMENT}/token", body=NO_BODY
    )
    assert isinstance(user, ApiUserWithToken)
    assert user.username == API_USER
    assert user.token.get_secret_value() == NEW_TOKEN


@BOTH
@pytest.mark.parametrize("call", ["create_api_user", "regenerate_token"])
async def test_an_answer_without_the_token_is_a_validation_error(
    client: ParticleClient, api: respx.MockRouter, scope: Scope, call: str
) -> None:
    """Creating and regenerating always answer with the token: one without it is not what
    the API documents, and is refused instead of handing back an API user with no token."""
    reply(api, updated(token=None))
    team = scope.team(client)

    with pytest.raises(APIResponseValidationError, match="token"):
        if call == "create_api_user":
            await team.create_api_user("CI bot", ["devices:list"], **scope.kwargs)
        else:
            await team.regenerate_token(API_USER, **scope.kwargs)


@BOTH
async def test_regenerate_token_is_retried_and_answers_the_last_token(
    client: ParticleClient, api: respx.MockRouter, scope: Scope, sleeps: list[float]
) -> None:
    route = api.put(f"{scope.prefix}/team/{API_USER_SEGMENT}/token")
    route.side_effect = [
        respx.MockResponse(503, json={"error": "busy"}),
        respx.MockResponse(200, json=updated()),
    ]

    user = await scope.team(client).regenerate_token(API_USER, **scope.kwargs)

    assert route.call_count == 2
    assert len(sleeps) == 1
    assert user.token is not None
    assert user.token.get_secret_value() == NEW_TOKEN


# =========================================================================== the token is secret


def _shows(user: ApiUser) -> str:
    return " ".join(
        [
            repr(user),
            str(user),
            repr(user.tokens),
            str(user.tokens),
            repr(user.token),
            f"{user}",
            user.model_dump_json(),
        ]
    )


@BOTH
async def test_the_token_never_shows_in_reprs_dumps_or_logs(
    client: ParticleClient,
    api: respx.MockRouter,
    scope: Scope,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    post = api.post(f"{scope.prefix}/team").respond(200, json=created())
    put = api.put(f"{scope.prefix}/team/{API_USER_SEGMENT}/token")
    put.side_effect = [  # a retry, so the DEBUG log has something to say
        respx.MockResponse(503, json={"error": "busy"}),
        respx.MockResponse(200, json=updated()),
    ]

    made = await scope.team(client).create_api_user("CI bot", ["devices:list"], **scope.kwargs)
    again = await scope.team(client).regenerate_token(made.username, **scope.kwargs)

    assert post.call_count == 1 and put.call_count == 2
    assert made.token is not None and made.token.get_secret_value() == USER_TOKEN
    assert again.token is not None and again.token.get_secret_value() == NEW_TOKEN
    shown = _shows(made) + _shows(again)
    assert "**********" in shown
    assert USER_TOKEN not in shown
    assert NEW_TOKEN not in shown
    assert caplog.records  # the retry was logged
    assert USER_TOKEN not in caplog.text
    assert NEW_TOKEN not in caplog.text


@BOTH
async def test_a_malformed_answer_does_not_show_the_token(
    client: ParticleClient,
    api: respx.MockRouter,
    scope: Scope,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # no username: the answer does not match, and the error says so without the token
    reply(api, {"ok": True, "created": {"tokens": [{"token": USER_TOKEN}]}})

    with pytest.raises(APIResponseValidationError) as caught:
        await scope.team(client).create_api_user("CI bot", ["devices:list"], **scope.kwargs)

    assert "username" in str(caught.value)
    assert USER_TOKEN not in str(caught.value)
    assert USER_TOKEN not in repr(caught.value)
    assert USER_TOKEN not in caplog.text


def test_api_user_takes_its_token_from_the_first_of_tokens() -> None:
    user = ApiUser.model_validate(
        {
            "username": API_USER,
            "tokens": [{"token": USER_TOKEN, "expires_at": None}, {"token": NEW_TOKEN}],
            "brand_new": 1,
        }
    )
    assert user.token is not None and user.token.get_secret_value() == USER_TOKEN
    assert isinstance(user.tokens[0], ApiUserToken)
    assert user.tokens[0].model_extra == {"expires_at": None}
    assert user.model_extra == {"brand_new": 1}
    assert user.is_programmatic is None
    assert USER_TOKEN not in repr(user) and NEW_TOKEN not in repr(user)
    # no tokens at all, or an empty list: no token
    assert ApiUser.model_validate({"username": API_USER}).token is None
    assert ApiUser.model_validate({"username": API_USER, "tokens": []}).token is None


# =========================================================================== the sub-clients


def test_orgs_team_is_a_cached_sub_client_of_its_own() -> None:
    client = ParticleClient("t")
    assert isinstance(client.orgs, aioparticle.Orgs)
    assert isinstance(client.orgs.team, OrgsTeam)
    assert client.orgs.team is client.orgs.team
    assert isinstance(client.products.team, ProductsTeam)
    assert repr(client.orgs.team).startswith("<OrgsTeam client.orgs.team of ")


def test_the_old_import_paths_still_work() -> None:
    assert aioparticle.models.TeamMember is TeamMember
    assert aioparticle.models.products.TeamMember is TeamMember
    assert aioparticle.resources.products.ProductsTeam is ProductsTeam
    assert aioparticle.resources.ProductsTeam is ProductsTeam


#: The calls as the API-user proposal writes them, with `<scope>` for `product` or `org`.
PROPOSAL = {
    "list": "(*, <scope>)",
    "invite": "(username, *, <scope>, role=None)",
    "remove": "(username, *, <scope>)",
    "create_api_user": "(friendly_name, scopes, *, <scope>)",
    "update_api_user": "(username, *, <scope>, friendly_name=None, scopes=None)",
    "regenerate_token": "(username, *, <scope>)",
}


def _shape(method: Callable[..., Any]) -> str:
    """A signature without annotations: `(username, *, product, role=None)`."""
    params = []
    star = False
    for param in inspect.signature(method).parameters.values():
        if param.kind is param.KEYWORD_ONLY and not star:
            params.append("*")
            star = True
        default = "" if param.default is param.empty else f"={param.default!r}"
        params.append(f"{param.name}{default}")
    return f"({', '.join(params)})"


@pytest.mark.parametrize("name", sorted(PROPOSAL))
@pytest.mark.parametrize(("team_class", "keyword"), [(ProductsTeam, "product"), (OrgsTeam, "org")])
def test_signatures_are_the_proposals(name: str, team_class: type, keyword: str) -> None:
    method = getattr(team_class, name)
    shape = _shape(method).replace("self, ", "")
    assert shape == PROPOSAL[name].replace("<scope>", keyword)
    assert inspect.iscoroutinefunction(method)


# =========================================================================== bad input


@pytest.fixture
def guard(api: respx.MockRouter) -> respx.MockRouter:
    """A router that would answer anything, so a missing check would be noticed as a request."""
    api.route().respond(200, json=created())
    return api


def _operations(scope_kwarg: str) -> dict[str, OpenCall]:
    """The six calls of one scope, with the scope's value left open."""
    group = "products" if scope_kwarg == "product" else "orgs"

    def call(name: str, *args: Any, **kwargs: Any) -> OpenCall:
        return lambda c, value: getattr(getattr(c, group).team, name)(
            *args, **{scope_kwarg: value}, **kwargs
        )

    return {
        f"{group}.team.list": call("list"),
        f"{group}.team.invite": call("invite", "a@example.com"),
        f"{group}.team.remove": call("remove", "a@example.com"),
        f"{group}.team.create_api_user": call("create_api_user", "bot", ["devices:list"]),
        f"{group}.team.update_api_user": call("update_api_user", API_USER, friendly_name="n"),
        f"{group}.team.regenerate_token": call("regenerate_token", API_USER),
    }


PRODUCT_CALLS = _operations("product")
ORG_CALLS = _operations("org")


@pytest.mark.parametrize(
    ("label", "call", "needs"),
    [(label, call, "product=") for label, call in PRODUCT_CALLS.items()]
    + [(label, call, "org=") for label, call in ORG_CALLS.items()],
    ids=[*PRODUCT_CALLS, *ORG_CALLS],
)
async def test_a_missing_scope_names_the_operation(
    client: ParticleClient, guard: respx.MockRouter, label: str, call: OpenCall, needs: str
) -> None:
    with pytest.raises(InvalidArgumentError, match="^" + re.escape(f"{label}() needs {needs}")):
        await call(client, None)
    assert len(guard.calls) == 0


#: Where a table row's value goes in `_in_both`'s arguments.
OPEN: Any = object()


def _in_both(name: str, *args: Any, **kwargs: Any) -> dict[str, OpenCall]:
    """`name` in both scopes with one argument left open: `args` and `kwargs` hold `OPEN`
    where the row's value goes."""

    def bind(group: str, scope: dict[str, Any]) -> OpenCall:
        def call(c: ParticleClient, value: Any) -> Any:
            filled = [value if a is OPEN else a for a in args]
            options = {k: value if v is OPEN else v for k, v in kwargs.items()}
            return getattr(getattr(c, group).team, name)(*filled, **scope, **options)

        return call

    return {
        f"products.team.{name}": bind("products", PRODUCT.kwargs),
        f"orgs.team.{name}": bind("orgs", ORG.kwargs),
    }


#: Usernames refused everywhere (in a body or a path).
BAD_USERNAMES: list[object] = [None, "", "a\nb", "a\x00b", "x" * 255, 5, b"a@b.c"]
#: ... and, in a path, anything that would change the endpoint.
BAD_SEGMENT_USERNAMES: list[object] = [".", "..", "a/b@c.d", "a?b", "a#b", "a\\b", "../token"]
BAD_FRIENDLY_NAMES: list[object] = ["", "a\nb", "a\x00b", "x" * 257, 5, b"bot"]
BAD_SCOPES: list[object] = [
    "devices:list",  # a bare str is not split into characters
    b"devices:list",
    5,
    {"devices:list"},  # not a sequence
    {"devices:list": True},
    [],
    (),
    [""],
    [None],
    [5],
    ["a\nb"],
    ["x" * 129],
    ["devices:list", ""],
]
BAD_ROLES: list[object] = ["", 5, b"Developer", ["Developer"], True, "a\nb", "x" * 65]
NO_UPDATE: list[dict[str, Any]] = [{}, {"friendly_name": None}, {"scopes": None}]
BAD_ORGS, BAD_ORG_IDS = bad_segments(257)

BAD_INPUT = [
    *bad_input_grid(PRODUCT_CALLS, BAD_PRODUCTS, prefix="product"),
    *bad_input_grid(ORG_CALLS, BAD_ORGS, BAD_ORG_IDS, prefix="org"),
    *bad_input_grid(_in_both("invite", OPEN), BAD_USERNAMES, prefix="username"),
    *bad_input_grid(
        {
            **_in_both("remove", OPEN),
            **_in_both("update_api_user", OPEN, friendly_name="n"),
            **_in_both("regenerate_token", OPEN),
        },
        BAD_USERNAMES + BAD_SEGMENT_USERNAMES,
        prefix="username",
    ),
    # None is "not sent" for an update, and refused where the value is required
    *bad_input_grid(
        _in_both("create_api_user", OPEN, ["devices:list"]),
        [None, *BAD_FRIENDLY_NAMES],
        prefix="friendly_name",
    ),
    *bad_input_grid(
        _in_both("update_api_user", API_USER, friendly_name=OPEN),
        BAD_FRIENDLY_NAMES,
        prefix="friendly_name",
    ),
    *bad_input_grid(_in_both("create_api_user", "bot", OPEN), [None, *BAD_SCOPES], prefix="scopes"),
    *bad_input_grid(
        _in_both("update_api_user", API_USER, scopes=OPEN), BAD_SCOPES, prefix="scopes"
    ),
    *bad_input_grid(_in_both("invite", "a@example.com", role=OPEN), BAD_ROLES, prefix="role"),
]


@pytest.mark.parametrize("case", BAD_INPUT)
async def test_bad_input_is_rejected_before_any_request(
    client: ParticleClient, guard: respx.MockRouter, case: BadInput
) -> None:
    await case.check(client, guard)


@pytest.mark.parametrize("kwargs", NO_UPDATE, ids=["nothing", "name-None", "scopes-None"])
@BOTH
async def test_an_update_with_nothing_to_change_is_refused(
    client: ParticleClient, guard: respx.MockRouter, scope: Scope, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(
        InvalidArgumentError,
        match=re.escape(f"{scope.group}.team.update_api_user() needs friendly_name= or scopes="),
    ):
        await scope.team(client).update_api_user(API_USER, **scope.kwargs, **kwargs)
    assert len(guard.calls) == 0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda c: c.products.team.create_api_user("bot", "devices:list", product=1),
            "scopes must be a list of scope names, such as ['devices:list'], got str",
        ),
        (
            lambda c: c.orgs.team.create_api_user("bot", [], org="acme"),
            "scopes must name at least one scope",
        ),
        (
            lambda c: c.orgs.team.update_api_user(API_USER, org="acme", scopes=["a", 3]),
            "scopes[1] must be a str, got int",
        ),
        (
            lambda c: c.products.team.invite("a@b.c", product=1, role=5),
            "role must be a role name ('Administrator', 'Developer', 'View-only', 'Support'), "
            "got int",
        ),
        (
            lambda c: c.orgs.team.invite("a@b.c", org="acme", role=""),
            "role must be a role name ('Administrator', 'Developer', 'View-only', 'Support'), "
            "got an empty str",
        ),
        (
            lambda c: c.orgs.team.remove("a/b", org="acme"),
            "username must not contain '/'",
        ),
    ],
    ids=["scopes-str", "scopes-empty", "scope-item", "role-int", "role-empty", "username-slash"],
)
async def test_bad_input_messages_say_what_is_allowed(
    client: ParticleClient, guard: respx.MockRouter, call: Any, message: str
) -> None:
    with pytest.raises(InvalidArgumentError, match="^" + re.escape(message)):
        await call(client)
    assert len(guard.calls) == 0
