# Holds N /api/generations streams open on a gateway at 127.0.0.1:GW whose upstream is this script's own
# server on 127.0.0.1:UP, which answers every generation with a response head and then nothing: each stream
# is a job waiting for its first image, the state a browser holds for tens of seconds per image.
# Usage: python3 hold.py N GW UP READY_FILE  (writes READY_FILE once every stream has had its `started` event)
import asyncio, sys, json
N = int(sys.argv[1]); GW = int(sys.argv[2]); UP = int(sys.argv[3]); READY = sys.argv[4]
held = 0
async def upstream(reader, writer):
    try:
        while True:
            line = await reader.readline()
            if not line: return
            if line in (b"\r\n", b"\n"): break
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        await writer.drain()
        await reader.read()  # hold until closed
    except Exception:
        pass
async def client(i, ready):
    global held
    r, w = await asyncio.open_connection("127.0.0.1", GW)
    body = json.dumps({"model":"doubao-seedream-4-5-251128","prompt":"cat %d" % i}).encode()
    w.write(b"POST /api/generations HTTP/1.1\r\nhost: 127.0.0.1:%d\r\naccept: text/event-stream\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % (GW, len(body)) + body)
    await w.drain()
    buf = b""
    while b"event: started" not in buf:
        d = await r.read(4096)
        if not d: print("closed", buf[:300]); return
        buf += d
    held += 1
    if held == N: ready.set()
    await r.read()
async def main():
    srv = await asyncio.start_server(upstream, "127.0.0.1", UP, backlog=4096)
    ready = asyncio.Event()
    tasks = []
    for i in range(N):
        tasks.append(asyncio.create_task(client(i, ready)))
        if i % 50 == 49: await asyncio.sleep(0.05)
    await ready.wait()
    print("HELD", N, flush=True)
    open(READY, "w").write(str(N))
    await asyncio.sleep(100000)
asyncio.run(main())
