-- Replays pre-signed inbox POSTs, each once, in order (per wrk thread: use -t 1).
-- INBOX_REQUESTS names a file of records `<length>\n<raw HTTP/1.1 request bytes>`, written by
-- bench/scenarios/inbox_common.py. After the last record it starts again (the repeats are
-- duplicate activity ids: answered 202 and not stored, so the scenario counts stored rows).
local requests = {}
local i = 0

function init(args)
  local path = os.getenv("INBOX_REQUESTS")
  local fh = assert(io.open(path, "rb"))
  local data = fh:read("*a")
  fh:close()
  local pos = 1
  while pos <= #data do
    local nl = string.find(data, "\n", pos, true)
    if not nl then break end
    local len = tonumber(string.sub(data, pos, nl - 1))
    table.insert(requests, string.sub(data, nl + 1, nl + len))
    pos = nl + 1 + len
  end
end

function request()
  i = i + 1
  if i > #requests then i = 1 end
  return requests[i]
end
