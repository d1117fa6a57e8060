"""Generates a Python client from every contract with openapi-python-client, imports every
generated module, and runs one short typed flow per API against a running trunkmock; also
generates pydantic models with datamodel-code-generator and refuses duplicate-named models.

    python3 generated_flows.py BASE_URL CONTRACTS_DIR WORK_DIR

Prints `generated <name> in <s>s` and `models <name>: ...` per contract and `flow <name> ok`
per flow; exits non-zero on the first generator warning, import failure or wrong answer.
"""

import ast
import importlib
import pkgutil
import subprocess
import sys
import time

BASE, CONTRACTS, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
NAMES = ["pbx", "fusion", "apio", "operator", "admin"]


def generate(name):
    """One client per contract, as the package `<name>_client` (plain `operator` would shadow
    the standard library's module of that name)."""
    started = time.monotonic()
    out = subprocess.run(
        [
            "openapi-python-client", "generate",
            "--path", f"{CONTRACTS}/{name}.openapi.json",
            "--meta", "none",
            "--output-path", f"{WORK}/{name}_client",
            "--overwrite",
            "--fail-on-warning",
        ],
        capture_output=True, text=True, timeout=120,
    )
    text = out.stdout + out.stderr
    # --fail-on-warning already fails on a dropped endpoint or model; a warning line that
    # slipped through (a degraded type) fails here too.
    warned = [line for line in text.splitlines() if "warning" in line.lower()]
    if out.returncode != 0 or warned:
        sys.exit(f"openapi-python-client on {name}: exit {out.returncode}\n{text}")
    print(f"generated {name} in {time.monotonic() - started:.1f}s", flush=True)


def models(name):
    """The same contract through datamodel-code-generator (pydantic models): a class renamed
    with a number (`Customer1`, `Status1`) means two schemas fought over one name, and a
    warning means something was dropped or degraded; both fail."""
    started = time.monotonic()
    target = f"{WORK}/{name}_models.py"
    out = subprocess.run(
        [
            "datamodel-codegen",
            "--input", f"{CONTRACTS}/{name}.openapi.json",
            "--input-file-type", "openapi",
            "--output-model-type", "pydantic_v2.BaseModel",
            "--formatters", "black",
            "--output", target,
        ],
        capture_output=True, text=True, timeout=120,
    )
    # Notices about the tool's own future defaults are not about the contract.
    warned = [
        line for line in out.stderr.splitlines()
        if "warn" in line.lower() and "FutureWarning" not in line and "warn_deprecated" not in line
    ]
    if out.returncode != 0 or warned:
        sys.exit(f"datamodel-codegen on {name}: exit {out.returncode}\n{out.stdout}{out.stderr}")
    tree = ast.parse(open(target).read())
    classes = [c.name for c in tree.body if isinstance(c, ast.ClassDef)]
    renamed = [c for c in classes if c[-1].isdigit()]
    if renamed:
        sys.exit(f"datamodel-codegen on {name}: models renamed as duplicates: {renamed}")
    importlib.import_module(f"{name}_models")
    print(f"models {name}: {len(classes)} classes in {time.monotonic() - started:.1f}s", flush=True)


def import_everything(name):
    package = importlib.import_module(f"{name}_client")
    count = 0
    for module in pkgutil.walk_packages(package.__path__, f"{name}_client."):
        importlib.import_module(module.name)
        count += 1
    print(f"imported {name}: {count} modules", flush=True)


def expect(response, status, model=None):
    """The answer has `status` and, when `model` is given, parsed into that generated type."""
    if response.status_code != status:
        sys.exit(f"expected {status}, got {response.status_code}: {response.content[:500]!r}")
    if model is not None and not isinstance(response.parsed, model):
        sys.exit(f"expected a {model.__name__}, parsed {type(response.parsed).__name__}")
    return response.parsed


def pbx_flow():
    from pbx_client import Client
    from pbx_client.api.providers import (
        pbx_create_provider, pbx_destroy_provider, pbx_get_provider, pbx_update_provider,
    )
    from pbx_client.models import AuthMode, Provider, ProviderCreate, ProviderCreated, ProviderUpdate, Transport

    client = Client(base_url=BASE)
    created = expect(pbx_create_provider.sync_detailed(client=client, body=ProviderCreate(
        name="generated", transport=Transport.UDP, hostname="sip.generated.example", port=5060,
        outbound_server="out.generated.example", outbound_server_port=5060, concurrency=4,
        enabled=False, registration=False, keep_alive=False, auth_mode=AuthMode.IP_AUTH,
    )), 201, ProviderCreated)
    before = expect(pbx_get_provider.sync_detailed(created.id, client=client), 200, Provider)
    # The partial update names only the port: nothing else may change.
    expect(pbx_update_provider.sync_detailed(created.id, client=client, body=ProviderUpdate(port=5070)), 200)
    after = expect(pbx_get_provider.sync_detailed(created.id, client=client), 200, Provider)
    if after.port != 5070:
        sys.exit(f"pbx: the port did not change: {after.port}")
    a, b = before.to_dict(), after.to_dict()
    a.pop("port"), b.pop("port")
    if a != b:
        changed = {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
        sys.exit(f"pbx: a partial update of the port changed more: {changed}")
    if after.enabled is not False or after.auth_mode != AuthMode.IP_AUTH:
        sys.exit(f"pbx: enabled={after.enabled}, auth_mode={after.auth_mode}")
    expect(pbx_destroy_provider.sync_detailed(created.id, client=client), 204)
    print("flow pbx ok", flush=True)


def fusion_flow():
    from fusion_client import Client
    from fusion_client.api.trunk_groups import fusion_get_trunk_group, fusion_list_trunk_groups
    from fusion_client.models import TrunkGroupDetail, TrunkGroupList

    client = Client(base_url=BASE)
    tenant = "11111111-1111-4111-8111-111111111111"
    groups = expect(fusion_list_trunk_groups.sync_detailed("draas_v1", tenant, 1, client=client), 200, TrunkGroupList)
    first = groups.trunkgroups[0]
    detail = expect(
        fusion_get_trunk_group.sync_detailed("draas_v1", tenant, 1, first.id, client=client), 200, TrunkGroupDetail)
    if detail.name != first.name:
        sys.exit(f"fusion: listed {first.name}, fetched {detail.name}")
    print("flow fusion ok", flush=True)


def apio_flow():
    from apio_client import Client
    from apio_client.api.trunk_groups import apio_get_trunk_group, apio_list_trunk_groups, apio_update_trunk_group
    from apio_client.models import RedirectAction, TrunkGroup, TrunkGroupList, TrunkGroupUpdate, TrunkingMode

    client = Client(base_url=BASE)
    listed = expect(apio_list_trunk_groups.sync_detailed(
        "foo", "foogroup", client=client, trunking_mode=TrunkingMode.NORMAL), 200, TrunkGroupList)
    name = listed.trunks[0].name
    before = expect(apio_get_trunk_group.sync_detailed("foo", "foogroup", name, client=client), 200, TrunkGroup)
    expect(apio_update_trunk_group.sync_detailed("foo", "foogroup", name, client=client, body=TrunkGroupUpdate(
        max_active_calls=7, capacity_exceeded_action=RedirectAction.NONE)), 200, TrunkGroup)
    after = expect(apio_get_trunk_group.sync_detailed("foo", "foogroup", name, client=client), 200, TrunkGroup)
    if after.max_active_calls != 7 or after.capacity_exceeded_action != RedirectAction.NONE:
        sys.exit(f"apio: maxActiveCalls={after.max_active_calls}, action={after.capacity_exceeded_action!r}")
    if after.access_device.to_dict() != before.access_device.to_dict():
        sys.exit("apio: the update changed the access device")
    print("flow apio ok", flush=True)


def operator_flow():
    from operator_client import Client
    from operator_client.api.incoming_trunks import (
        operator_create_incoming_trunk, operator_delete_incoming_trunk, operator_get_incoming_trunk,
        operator_update_incoming_trunk,
    )
    from operator_client.models import (
        CustomerIdentifier, IncomingTrunkCreateAttributes, IncomingTrunkCreateCustomerRelationship,
        IncomingTrunkCreateData, IncomingTrunkCreateRelationships, IncomingTrunkCreateRequest,
        IncomingTrunkDocument, IncomingTrunkUpdateAttributes, IncomingTrunkUpdateData,
        IncomingTrunkUpdateRequest, TransportProtocol,
    )

    client = Client(base_url=BASE)
    created = expect(operator_create_incoming_trunk.sync_detailed(client=client, body=IncomingTrunkCreateRequest(
        data=IncomingTrunkCreateData(
            type_="incoming_trunks",
            attributes=IncomingTrunkCreateAttributes(name="generated", transport_protocol=TransportProtocol.TCP),
            relationships=IncomingTrunkCreateRelationships(customer=IncomingTrunkCreateCustomerRelationship(
                data=CustomerIdentifier(type_="customers", id="123"))),
        ))), 201, IncomingTrunkDocument)
    trunk_id = created.data.id
    expect(operator_update_incoming_trunk.sync_detailed(trunk_id, client=client, body=IncomingTrunkUpdateRequest(
        data=IncomingTrunkUpdateData(type_="incoming_trunks", id=trunk_id,
                                     attributes=IncomingTrunkUpdateAttributes(name="renamed")))),
           200, IncomingTrunkDocument)
    fetched = expect(operator_get_incoming_trunk.sync_detailed(trunk_id, client=client), 200, IncomingTrunkDocument)
    attrs = fetched.data.attributes
    if attrs.name != "renamed" or attrs.transport_protocol != TransportProtocol.TCP:
        sys.exit(f"operator: name={attrs.name}, transport={attrs.transport_protocol}")
    expect(operator_delete_incoming_trunk.sync_detailed(trunk_id, client=client), 204)
    print("flow operator ok", flush=True)


def admin_flow():
    from admin_client import Client
    from admin_client.api.admin import (
        admin_add_faults, admin_advance_clock, admin_clear_faults, admin_get_clock, admin_list_faults,
        admin_list_requests, admin_reset,
    )
    from admin_client.models import (
        Clock, ClockAdvance, FaultMatch, FaultRule, FaultRuleAdded, FaultRuleList, InjectedError, RequestList,
        ResetDone,
    )

    client = Client(base_url=BASE)
    expect(admin_reset.sync_detailed(client=client), 200, ResetDone)
    start = expect(admin_get_clock.sync_detailed(client=client), 200, Clock)
    moved = expect(admin_advance_clock.sync_detailed(client=client, body=ClockAdvance(seconds=90)), 200, Clock)
    if moved.offset_seconds - start.offset_seconds != 90:
        sys.exit(f"admin: the clock moved {moved.offset_seconds - start.offset_seconds}s")
    added = expect(admin_add_faults.sync_detailed(client=client, body=FaultRule(
        id="outage", match=FaultMatch(operation="pbx_list_providers"), error=InjectedError(status=503),
        times=1)), 201, FaultRuleAdded)
    rules = expect(admin_list_faults.sync_detailed(client=client), 200, FaultRuleList)
    if [r.id for r in rules.faults] != [added.id]:
        sys.exit(f"admin: rules {[r.id for r in rules.faults]}")
    from pbx_client import Client as PbxClient
    from pbx_client.api.providers import pbx_list_providers
    outage = pbx_list_providers.sync_detailed(client=PbxClient(base_url=BASE))
    if outage.status_code != 503:
        sys.exit(f"admin: the fault rule did not act: {outage.status_code}")
    journal = expect(admin_list_requests.sync_detailed(client=client, limit=1), 200, RequestList)
    entry = journal.requests[0]
    if entry.status != 503 or not entry.fault:
        sys.exit(f"admin: the journal shows {entry.status} {entry.fault!r}")
    expect(admin_clear_faults.sync_detailed(client=client), 204)
    print("flow admin ok", flush=True)


sys.path.insert(0, WORK)
for name in NAMES:
    generate(name)
    import_everything(name)
    models(name)
pbx_flow()
fusion_flow()
apio_flow()
operator_flow()
admin_flow()
