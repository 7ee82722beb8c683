#!/usr/bin/env python3
"""An independent Open311 GeoReport v2 client, written from the specification
(wiki.open311.org/GeoReport_v2) with Python's standard library only, to check that
shequ's endpoint answers a client that knows nothing of shequ.

    client.py BASE_URL API_KEY

BASE_URL is the endpoint, such as http://127.0.0.1:8080/open311/v2. It lists the
services, posts a request with the key, reads it back by id (JSON and XML) and in
the list, and checks that a post without a key is refused with the spec's error
document. It exits 0 when every check holds, 1 otherwise, printing what it did.
"""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.read()


def post(url, fields):
    data = urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        sys.exit(1)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    base, key = sys.argv[1].rstrip("/"), sys.argv[2]

    status, body = get(base + "/discovery.json")
    discovery = json.loads(body)
    check(status == 200 and discovery.get("endpoints"), "discovery lists endpoints")

    status, body = get(base + "/services.xml")
    services = ET.fromstring(body)
    codes = [s.findtext("service_code") for s in services.findall("service")]
    check(status == 200 and codes, "services.xml lists %d services" % len(codes))
    code = codes[0]
    check(all(services.find("service").find(t) is not None for t in
              ("service_code", "service_name", "description", "metadata", "type", "keywords", "group")),
          "a service carries every element the spec names")

    status, body = post(base + "/requests.json", {
        "api_key": key, "service_code": code, "lat": "23.4769", "long": "111.2790",
        "address_string": "万秀区 3 栋门口", "description": "路灯不亮（Open311 客户端）",
        "first_name": "小明", "last_name": "王", "phone": "13800138000"})
    check(status in (200, 201), "POST requests.json with the key: %d" % status)
    receipt = json.loads(body)[0]
    rid = receipt.get("service_request_id")
    check(bool(rid), "the request has a service_request_id: %s" % rid)

    status, body = get(base + "/requests/%s.json?%s" % (urllib.parse.quote(rid), urllib.parse.urlencode({"api_key": key})))
    request = json.loads(body)[0]
    check(status == 200 and request["service_request_id"] == rid and request["status"] == "open",
          "requests/{id}.json: status %s" % request.get("status"))
    check("expected_datetime" in request and "agency_responsible" in request, "the request carries expected_datetime and agency_responsible")
    check("phone" not in json.dumps(request) or "13800138000" not in json.dumps(request), "no reporter's phone is read back")

    status, body = get(base + "/requests/%s.xml?%s" % (urllib.parse.quote(rid), urllib.parse.urlencode({"api_key": key})))
    xml_request = ET.fromstring(body).find("request")
    check(status == 200 and xml_request.findtext("status") == "open", "requests/{id}.xml: status open")

    status, body = get(base + "/requests.json?" + urllib.parse.urlencode({"api_key": key, "status": "open"}))
    check(status == 200 and any(r["service_request_id"] == rid for r in json.loads(body)), "requests.json lists it among the open ones")

    status, body = post(base + "/requests.json", {"service_code": code, "lat": "23.4769", "long": "111.2790", "description": "x"})
    errors = json.loads(body)
    check(status in (400, 403) and errors[0].get("code") and errors[0].get("description"),
          "a post without api_key is refused with the spec's error document (%d)" % status)
    print("all Open311 checks hold")


if __name__ == "__main__":
    main()
