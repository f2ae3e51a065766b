"""Drive kazoo's recipes against one ZooKeeper-compatible server.

usage: /usr/bin/python3 kazoo_recipes.py HOST:PORT ROOT

Several KazooClient sessions contend for locks, elections, barriers, queues
and counters under ROOT. The script prints one JSON object: "results" holds
only values that must be the same on every correct server (counts, orders,
error names); "info" holds what may legitimately differ (server_version).
A recipe that raises is recorded as "error: <ExceptionName>" so the others
still run. A watchdog ends the process if the whole run hangs.
"""

import json
import os
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.exceptions import LockTimeout
from kazoo.recipe.watchers import ChildrenWatch, DataWatch

WAIT = 20  # seconds: bound on every wait for another client


def connect(hosts):
    c = KazooClient(hosts=hosts, timeout=10.0)
    c.start(timeout=15)
    return c


def run_threads(targets):
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    return not any(t.is_alive() for t in threads)


def wait_until(cond):
    deadline = time.time() + WAIT
    while not cond():
        if time.time() > deadline:
            return False
        time.sleep(0.01)
    return True


def lock(clients, path):
    mu = threading.Lock()
    state = {"holders": 0, "max": 0, "order": []}
    start = threading.Barrier(len(clients))

    def contender(i, c):
        lk = c.Lock(path, "c%d" % i)
        start.wait(WAIT)
        for _ in range(3):
            with lk:
                with mu:
                    state["holders"] += 1
                    state["max"] = max(state["max"], state["holders"])
                    state["order"].append(i)
                time.sleep(0.005)
                with mu:
                    state["holders"] -= 1

    finished = run_threads([lambda i=i, c=c: contender(i, c) for i, c in enumerate(clients)])
    a, b = clients[0], clients[1]
    held = a.Lock(path, "holder")
    held.acquire(timeout=WAIT)
    other = b.Lock(path, "waiter")
    nonblocking = other.acquire(blocking=False)
    try:
        other.acquire(timeout=0.3)
        timed_out = False
    except LockTimeout:
        timed_out = True
    contenders = a.Lock(path).contenders()
    held.release()
    after = other.acquire(timeout=WAIT)
    other.release()
    return {
        "finished": finished,
        "acquisitions": len(state["order"]),
        "per_client": sorted(state["order"].count(i) for i in range(len(clients))),
        "max_concurrent": state["max"],
        "nonblocking_while_held": nonblocking,
        "timeout_while_held": timed_out,
        "contenders_while_held": contenders,
        "acquired_after_release": after,
        "children_left": len(a.get_children(path)),
    }


def semaphore(clients, path):
    mu = threading.Lock()
    state = {"holders": 0, "max": 0, "leases": 0}

    def contender(i, c):
        sem = c.Semaphore(path, "c%d" % i, max_leases=2)
        for _ in range(2):
            with sem:
                with mu:
                    state["holders"] += 1
                    state["leases"] += 1
                    state["max"] = max(state["max"], state["holders"])
                time.sleep(0.02)
                with mu:
                    state["holders"] -= 1

    finished = run_threads([lambda i=i, c=c: contender(i, c) for i, c in enumerate(clients)])
    return {"finished": finished, "leases": state["leases"], "max_concurrent_at_most_2": state["max"] <= 2}


def election(clients, path):
    order = []
    done = threading.Event()
    elections = [c.Election(path, "c%d" % i) for i, c in enumerate(clients)]

    def lead(i):
        order.append(i)
        if len(order) == len(clients):
            done.set()

    threads = []
    for i, e in enumerate(elections):
        t = threading.Thread(target=e.run, args=(lead, i), daemon=True)
        t.start()
        threads.append(t)
        # Start the next candidate only once this one is queued, so the
        # order of leadership is the order of the candidates' znodes.
        wait_until(lambda n=i + 1: len(elections[0].contenders()) >= n or len(order) > i)
    done.wait(WAIT)
    for t in threads:
        t.join(WAIT)
    return {"leaders": order, "contenders_after": elections[0].contenders()}


def barriers(clients, path):
    a = clients[0]
    b = a.Barrier(path + "/simple")
    b.create()
    released = []

    def waiter(c):
        released.append(c.Barrier(path + "/simple").wait(WAIT))

    threads = [threading.Thread(target=waiter, args=(c,), daemon=True) for c in clients[1:]]
    for t in threads:
        t.start()
    time.sleep(0.2)
    blocked = len(released) == 0
    b.remove()
    for t in threads:
        t.join(WAIT)

    entered, left = [], []

    def double(i, c):
        db = c.DoubleBarrier(path + "/double", len(clients), identifier="c%d" % i)
        db.enter()
        entered.append(i)
        db.leave()
        left.append(i)

    finished = run_threads([lambda i=i, c=c: double(i, c) for i, c in enumerate(clients)])
    return {
        "blocked_before_remove": blocked,
        "released": released,
        "double_finished": finished,
        "double_entered": sorted(entered),
        "double_left": sorted(left),
    }


def queues(clients, path):
    a = clients[0]
    q = a.Queue(path + "/plain")
    for v in (b"one", b"two", b"three"):
        q.put(v)
    q.put(b"urgent", priority=1)
    size = len(q)
    got = [q.get() for _ in range(4)]
    empty = q.get()

    # Three consumers drain 30 items; each must be taken exactly once.
    for i in range(30):
        q.put(b"item-%02d" % i)
    taken = []
    mu = threading.Lock()

    def consumer(c):
        cq = c.Queue(path + "/plain")
        while True:
            item = cq.get()
            if item is None:
                return
            with mu:
                taken.append(item)

    finished = run_threads([lambda c=c: consumer(c) for c in clients])

    lq = a.LockingQueue(path + "/locking")
    lq.put(b"x")
    lq.put_all([b"y", b"z"], priority=50)
    first = lq.get(WAIT)
    holder_len = len(lq)
    consumed = lq.consume()
    rest = []
    for _ in range(2):
        rest.append(lq.get(WAIT))
        lq.consume()
    return {
        "size": size,
        "order": [g.decode() for g in got],
        "empty_get": empty,
        "consumers_finished": finished,
        "taken": len(taken),
        "taken_distinct": len(set(taken)),
        "locking_first": first.decode(),
        "locking_len_while_held": holder_len,
        "locking_consumed": consumed,
        "locking_rest": sorted(r.decode() for r in rest),
    }


def counter(clients, path):
    def bump(c):
        ctr = c.Counter(path)
        for _ in range(10):
            ctr += 1

    finished = run_threads([lambda c=c: bump(c) for c in clients])
    ctr = clients[0].Counter(path)
    value = ctr.value
    ctr -= 5
    return {"finished": finished, "value": value, "after_minus_5": ctr.value, "pre_value": ctr.pre_value, "post_value": ctr.post_value}


def watchers(clients, path):
    a, b = clients[0], clients[1]
    a.create(path + "/data", b"v0", makepath=True)
    seen_data = []
    seen_children = []
    DataWatch(a, path + "/data", func=lambda data, stat: seen_data.append(None if data is None else data.decode()))
    ChildrenWatch(a, path, func=lambda children: seen_children.append(sorted(children)))
    wait_until(lambda: seen_data and seen_children)
    for v in (b"v1", b"v2"):
        b.set(path + "/data", v)
        wait_until(lambda v=v: seen_data[-1] == v.decode())
    b.create(path + "/kid")
    wait_until(lambda: "kid" in seen_children[-1])
    b.delete(path + "/data")
    wait_until(lambda: seen_data[-1] is None and "data" not in seen_children[-1])
    # Copies: the watches keep firing until the root is deleted.
    return {"data": list(seen_data), "children": [list(c) for c in seen_children]}


def transactions(clients, path):
    a = clients[0]
    a.ensure_path(path)
    t = a.transaction()
    t.create(path + "/t1", b"a")
    t.create(path + "/t2", b"b")
    t.set_data(path + "/t1", b"a2")
    t.check(path + "/t2", 0)
    t.delete(path + "/t2")
    ok = t.commit()
    t = a.transaction()
    t.create(path + "/t3", b"c")
    t.check(path + "/t1", 99)
    t.create(path + "/t4", b"d")
    failed = t.commit()

    def name(r):
        if isinstance(r, Exception):
            return type(r).__name__
        if hasattr(r, "version"):
            return "stat version=%d" % r.version
        return r

    return {
        "ok": [name(r) for r in ok],
        "failed": [name(r) for r in failed],
        "children": sorted(a.get_children(path)),
    }


def sessions(clients, path, hosts):
    a = clients[0]
    a.ensure_path(path)
    eph = connect(hosts)
    eph.create(path + "/eph", b"", ephemeral=True)
    seq = [eph.create(path + "/s-", b"", sequence=True, ephemeral=True).rsplit("/", 1)[1] for _ in range(2)]
    before = sorted(a.get_children(path))
    eph.stop()
    eph.close()
    after = sorted(a.get_children(path))
    kids, data = a.get_children(path, include_data=True)
    return {"before": before, "sequential": seq, "after_close": after, "numChildren": data.numChildren}


def main():
    hosts, root = sys.argv[1], sys.argv[2]
    watchdog = threading.Timer(120, lambda: os._exit(3))
    watchdog.daemon = True
    watchdog.start()
    clients = [connect(hosts) for _ in range(3)]
    clients[0].ensure_path(root)
    results = {}
    recipes = [
        ("lock", lambda: lock(clients, root + "/lock")),
        ("semaphore", lambda: semaphore(clients, root + "/semaphore")),
        ("election", lambda: election(clients, root + "/election")),
        ("barrier", lambda: barriers(clients, root + "/barrier")),
        ("queue", lambda: queues(clients, root + "/queue")),
        ("counter", lambda: counter(clients, root + "/counter")),
        ("watchers", lambda: watchers(clients, root + "/watchers")),
        ("transaction", lambda: transactions(clients, root + "/transaction")),
        ("sessions", lambda: sessions(clients, root + "/sessions", hosts)),
    ]
    for name, f in recipes:
        try:
            results[name] = f()
        except Exception as e:  # recorded, so the other recipes still run
            results[name] = "error: %s: %s" % (type(e).__name__, e)
    info = {}
    try:
        info["server_version"] = list(clients[0].server_version())
    except Exception as e:
        info["server_version"] = "error: %s" % type(e).__name__
    clients[0].delete(root, recursive=True)
    info["root_deleted"] = clients[0].exists(root) is None
    for c in clients:
        c.stop()
        c.close()
    print(json.dumps({"results": results, "info": info}, sort_keys=True))


if __name__ == "__main__":
    main()
