"""The mixed-load benchmark's simulated people, for Locust (bench/mixed.py runs it).

Each simulated person is signed in (a session made before the run) and works at about
one action a second: employees read their queue and their cases, comment and change a
case's status; analysts read companies, company pages, the dashboard and the
directory, and write notes; admins read the filtered team queue and the dashboard, and
reassign cases. Reads are four actions in five. Every write is followed by the writer
reading the page back: a page without their write counts as a stale read (a failure of
the request named "… (read back)").

MIXED_USERS names the JSON file bench/mixed.py wrote: each person's role and cookie,
their cases, and the companies and reassignable cases to use.
"""

import json
import os
import random
import uuid

from locust import HttpUser, task

PEOPLE = json.load(open(os.environ["MIXED_USERS"]))
RUN = uuid.uuid4().hex[:8]
ROLES = {role: [p for p in PEOPLE["people"] if p["role"] == role]
         for role in ("employee", "analyst", "admin")}
TAKEN = {role: 0 for role in ROLES}


def a_company():
    """Four looks in five go to the 100 companies being worked on, the rest anywhere."""
    companies = PEOPLE["companies"]
    return random.choice(companies[:100] if random.random() < 0.8 else companies)


def next_person(role):
    people = ROLES[role]
    person = people[TAKEN[role] % len(people)]
    TAKEN[role] += 1
    return person


class Person(HttpUser):
    abstract = True
    role = None

    def wait_time(self):
        """MIXED_RATE actions a second each on average (default 1; a write and its
        read-back are one), at independent random moments: each person's actions a
        Poisson process, as people working at their own pace are. A fixed pace
        (Locust's `constant_throughput`) keeps every person on the phase they started
        at, and one Locust process then sends its requests in clumps: measured alone
        with it, `/work` waited 20 ms (p50) in the server's queue behind its own
        clump, against 2 ms with these waits at the same rate (bench/RESULTS.md)."""
        return random.expovariate(float(os.environ.get("MIXED_RATE", "1")))

    def on_start(self):
        self.person = next_person(self.role)
        self.cookie = self.person["cookie"]
        self.read_after = ""
        self.seq = 0

    def headers(self, **more):
        cookie = self.cookie + (f"; {self.read_after}" if self.read_after else "")
        return {"Cookie": cookie, "Accept": "text/html", **more}

    def page(self, path, name, expect=None):
        with self.client.get(path, headers=self.headers(), name=name,
                             catch_response=True) as reply:
            if reply.status_code != 200:
                reply.failure(f"status {reply.status_code}")
            elif expect is not None and expect not in reply.text:
                reply.failure("stale: the writer's own write is not on the page")
            else:
                reply.success()

    def post(self, path, form, name):
        """A server function; its JSON on 200 (and the read-after cookie kept)."""
        # A server function posted from the app's own pages: same origin.
        with self.client.post(path, data=form, name=name, catch_response=True,
                              headers=self.headers(Accept="application/json",
                                                   Origin=self.host)) as reply:
            if reply.status_code != 200:
                reply.failure(f"status {reply.status_code}: {reply.text[:200]}")
                return None
            read_after = reply.cookies.get("casework_read_after")
            if read_after:
                self.read_after = f"casework_read_after={read_after}"
            reply.success()
            try:
                return json.loads(reply.text)
            except ValueError:
                return {}

    def case_data(self, number, name):
        """The case as the page's data (JSON), or None."""
        with self.client.get(f"/api/case/detail?number={number}", name=name,
                             headers=self.headers(Accept="application/json"),
                             catch_response=True) as reply:
            if reply.status_code != 200:
                reply.failure(f"status {reply.status_code}")
                return None
            reply.success()
            return json.loads(reply.text)["case"]

    def change(self, number, change, name):
        """Saves `change(fields)` over case `number`'s fields, then reads the case back:
        the writer must see their save (its version, its values)."""
        case = self.case_data(number, "read: a case (data)")
        if case is None:
            return
        fields = dict(case["fields"])
        fields.update(change(fields))
        saved = self.post("/api/case/save", {
            "number": number, "version": case["version"], "title": fields["title"],
            "customer_name": fields["customer_name"], "customer_email": fields["customer_email"],
            "customer_phone": fields["customer_phone"],
            "customer_company": fields["customer_company"], "status": fields["status"],
            "priority": fields["priority"], "assignee": fields["assignee_id"] or "",
        }, name)
        if saved is None:
            return
        with self.client.get(f"/api/case/detail?number={number}",
                             name="read back: the case (data)",
                             headers=self.headers(Accept="application/json"),
                             catch_response=True) as reply:
            if reply.status_code != 200:
                reply.failure(f"status {reply.status_code}")
                return
            seen = json.loads(reply.text)["case"]
            if seen["version"] < saved["version"] or seen["fields"]["status"] != fields["status"] \
                    or seen["fields"]["assignee_id"] != (fields["assignee_id"] or None):
                reply.failure("stale: the writer's own save is not in the case they read")
            else:
                reply.success()

    def token(self):
        self.seq += 1
        return f"mixed-{RUN}-{self.person['email']}-{self.seq}"


class Employee(Person):
    role = "employee"
    weight = int(os.environ.get("MIXED_EMPLOYEES", "140"))

    @task(3)
    def queue(self):
        self.page("/work?status=open&status=pending", "read: my work, filtered")

    @task(3)
    def case(self):
        self.page(f"/cases/{random.choice(self.person['cases'])}", "read: a case page")

    @task(1)
    def comment(self):
        number = random.choice(self.person["cases"])
        token = self.token()
        if self.post("/api/case/comment", {"number": number, "body": token},
                     "write: comment") is not None:
            self.page(f"/cases/{number}", "read back: the case page", expect=token)

    @task(1)
    def status(self):
        number = random.choice(self.person["cases"])
        self.change(number, lambda fields: {
            "status": "pending" if fields["status"] == "open" else "open"},
            "write: status change")


class Analyst(Person):
    role = "analyst"
    weight = int(os.environ.get("MIXED_ANALYSTS", "40"))

    @task(2)
    def companies(self):
        sector = random.choice(PEOPLE["sectors"])
        self.page(f"/companies?sector={sector}", "read: companies, filtered")

    @task(4)
    def company(self):
        self.page(f"/companies/{a_company()}", "read: a company page")

    @task(1)
    def dashboard(self):
        self.page("/", "read: dashboard")

    @task(1)
    def directory(self):
        self.page("/contractors", "read: directory")

    @task(1)
    def note(self):
        company = a_company()
        token = self.token()
        if self.post("/api/company/note", {"id": company, "body": token},
                     "write: company note") is not None:
            self.page(f"/companies/{company}", "read back: the company page", expect=token)


class Admin(Person):
    role = "admin"
    weight = int(os.environ.get("MIXED_ADMINS", "20"))

    @task(3)
    def team(self):
        self.page("/cases?status=open&priority=high", "read: all cases, filtered")

    @task(2)
    def dashboard(self):
        self.page("/", "read: dashboard")

    @task(1)
    def case(self):
        self.page(f"/cases/{random.choice(self.person['pool'])}", "read: a case page")

    @task(2)
    def assign(self):
        # Each admin reassigns cases of a pool of their own (no two admins' saves
        # collide), among people the simulated employees are not.
        number = random.choice(self.person["pool"])
        self.change(number, lambda fields: {"assignee_id": random.choice(
            [p for p in PEOPLE["assignees"] if p != fields["assignee_id"]])},
            "write: assignment")
