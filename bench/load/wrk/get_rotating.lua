-- GETs a list of (path, bearer token) pairs in turn, wrapping around: many users' home
-- timelines, first pages and max_id pages mixed. API_REQUESTS names a file of lines
-- `<path>\t<token>`, written by bench/scenarios/api_common.py.
local requests = {}
local i = 0

function init(args)
  local path = os.getenv("API_REQUESTS")
  for line in io.lines(path) do
    local p, token = string.match(line, "^(.-)\t(.*)$")
    if p then
      table.insert(requests, wrk.format("GET", p, {["Authorization"] = "Bearer " .. token}))
    end
  end
end

function request()
  i = i + 1
  if i > #requests then i = 1 end
  return requests[i]
end
