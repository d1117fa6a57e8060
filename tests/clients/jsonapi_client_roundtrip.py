"""Drives trunkmock's operator family with a stock JSON:API client library (jsonapi-client):
fetch with include, update what was fetched, create with a relationship, delete. Exits non-zero
(with the library's own error) on any step a stock client cannot complete."""
import sys

from jsonapi_client import Inclusion, Session

url = sys.argv[1]
schema = {
    "incoming_trunks": {
        "properties": {
            "name": {"type": ["string", "null"]},
            "codecs": {"type": ["array", "null"]},
            "transport_protocol": {"type": ["string", "null"]},
            "domain": {"type": ["string", "null"]},
            "destination_field": {"type": ["string", "null"]},
            "customer": {"relation": "to-one", "resource": ["customers"]},
        }
    },
    "customers": {
        "properties": {
            "name": {"type": ["string", "null"]},
            "language": {"type": ["string", "null"]},
            "capacity_limit": {"type": ["integer", "null"]},
            "sip_account_limit": {"type": ["integer", "null"]},
        }
    },
}
s = Session(url, schema=schema)

trunks = s.get("incoming_trunks", Inclusion("customer")).resources
assert trunks, "no trunks fetched"
first = trunks[0]
assert first.customer is not None, "the included customer did not resolve"
print("fetched", len(trunks), "trunks; first", first.id, "of customer", first.customer.id)

first.name = "Renamed by a stock client"
first.commit()
again = s.get("incoming_trunks", first.id).resource
assert again.name == "Renamed by a stock client", again.name
print("updated", again.id)

customer = s.get("customers").resources[0]
new = s.create_and_commit(
    "incoming_trunks",
    {"name": "From jsonapi-client", "transport_protocol": "UDP"},
    customer=customer,
)
assert new.id, "no id for the created trunk"
print("created", new.id, new.domain)

new.delete()
try:
    new.commit()
except ValueError:
    # The library parses every answer as JSON, also the bodiless 204 that JSON:API prescribes
    # for a deletion (and the vendor documents); the request itself went through.
    pass
ids = [t.id for t in s.get("incoming_trunks").resources]
assert new.id not in ids, "the deleted trunk is still listed"
print("deleted", new.id)
s.close()
