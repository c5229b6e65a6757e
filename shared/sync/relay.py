"""Asking the county for something only it holds, from a town or village, signed.

The node signs the request with its own key (the sync protocol's request signatures); a
town passes its villages' requests on the same way. Used for certificate look-ups and
for 办不成事反映 filed at a town or village. Offline, the caller gets Unavailable (503)
with a plain Chinese reason, and what the clerk typed stays in the form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unavailable

#: The county's refusal, passed on as it was given (not as "unreachable").
_REFUSALS = {403: PermissionDenied, 404: NotFound, 409: Conflict}


def ask_upstream(tier: Any, path: str, body: Mapping[str, Any], *, offline: str) -> Any:
    """POST ``body`` to ``path`` at this node's upstream; the JSON answer."""
    from shared.sync.client import SyncClient, UpstreamError

    try:
        client = SyncClient(
            tier.sessions,
            me=tier.node_code,
            key=tier.key,
            clock=tier.clock,
            ca_bundle=tier.upstream_ca_bundle,
            county=tier.county,
        )
    except UpstreamError as err:
        raise Unavailable(detail=f"{offline}（{err}）") from err
    try:
        return client._call("POST", path, body=dict(body)).json()
    except UpstreamError as err:
        if 400 <= err.status < 500 and err.status != 429:
            refusal = _REFUSALS.get(err.status, InvalidInput)
            raise refusal(detail=f"县级平台未受理：{err.detail}") from err
        raise Unavailable(detail=f"{offline}（{err}）") from err
    finally:
        client.close()
