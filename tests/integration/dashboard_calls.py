"""Call the dashboards' Dash endpoints as the browser's renderer does."""

from dashboards import CSRF_COOKIE, CSRF_HEADER, ids
from tests.integration.conftest import csrf_token

NO_FILTERS = {"start": None, "end": None, "facilitator": None, "place": None}

FILTER_PROPS = (
    (ids.FILTER_PERIOD, "start_date", "start"),
    (ids.FILTER_PERIOD, "end_date", "end"),
    (ids.FILTER_FACILITATOR, "value", "facilitator"),
    (ids.FILTER_PLACE, "value", "place"),
    (ids.FILTER_STATUS, "value", "statuses"),
)


def filter_inputs(**values) -> list[dict]:
    """Return the filter bar's inputs as the renderer sends them."""
    return [
        {"id": component, "property": prop, "value": values.get(name)}
        for component, prop, name in FILTER_PROPS
    ]


def payload(outputs, inputs, state=()) -> dict:
    """Return the body of a callback request for (id, property) outputs."""
    if len(outputs) == 1:
        [(component, prop)] = outputs
        output = f"{component}.{prop}"
        described = {"id": component, "property": prop}
    else:
        output = ".." + "...".join(f"{c}.{p}" for c, p in outputs) + ".."
        described = [{"id": c, "property": p} for c, p in outputs]
    return {
        "output": output,
        "outputs": described,
        "inputs": list(inputs),
        "state": list(state),
        "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs][:1],
    }


def route_payload(pathname: str, search: str = "") -> dict:
    """Return the router's request for a page's address."""
    return payload(
        [(ids.PAGE, "children"), (ids.FILTER_BAR, "children")],
        [{"id": ids.URL, "property": "pathname", "value": pathname}],
        [{"id": ids.URL, "property": "search", "value": search}],
    )


def figures_payload(outputs, **filters) -> dict:
    """Return a page callback's request with the filter bar set to `filters`."""
    return payload(outputs, filter_inputs(**filters))


def token(client) -> str:
    """Return the CSRF token the dashboards hand the renderer, or the panel's."""
    cookie = client.get_cookie(CSRF_COOKIE, path="/dashboards/")
    if cookie is not None:
        return cookie.value
    return csrf_token(client, "/admin/")


def post_callback(client, body: dict, with_token: bool = True):
    """Post a callback request as the renderer does, CSRF header included."""
    headers = {CSRF_HEADER: token(client)} if with_token else {}
    return client.post("/dashboards/_dash-update-component", json=body, headers=headers)


def response_of(response, component: str, prop: str):
    """Return the value a callback response gives one output."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"][component][prop]
