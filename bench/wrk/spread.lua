-- bench/wrk/spread.lua: spread wrk's threads round-robin over several
-- realmgate nodes on 127.0.0.1 (thread i to port i mod n).
--
-- Why: bench/store-bench.sh measures several `serve` nodes sharing one
-- etcd store against one node; wrk itself talks to a single address.
-- RG_PORTS is the comma-separated list of ports; with RG_WRK_SCRIPT set
-- (bench/wrk/login.lua) that script shapes the requests (logins), else
-- the command line's URL and -H headers do (GETs with a ticket).  Use at
-- least as many threads (-t) as ports.

local ports = {}
for p in string.gmatch(os.getenv("RG_PORTS") or "", "[^,]+") do
	ports[#ports + 1] = p
end
local next_port = 0

function setup(thread)
	if #ports == 0 then
		return
	end
	local port = ports[next_port % #ports + 1]
	next_port = next_port + 1
	thread.addr = wrk.lookup("127.0.0.1", port)[1]
end

local extra = os.getenv("RG_WRK_SCRIPT")
if extra ~= nil and extra ~= "" then
	dofile(extra)
end
