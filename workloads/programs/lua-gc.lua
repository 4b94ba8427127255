-- lua-gc: a garbage-collector-heavy Lua 5.4 program for allocbench.
--
--   lua5.4 lua-gc.lua ROUNDS [SEED]
--
-- Each round builds a binary tree of tables (the classic binary-trees
-- kernel), a table of strings made by concatenation and string.format, a
-- queue of closures with upvalues, and a hash table of records with string
-- keys, then drops most of it; a ring buffer keeps the last rounds' records
-- alive, so the collector works against a live set that keeps moving. The
-- generational collector is off (incremental, Lua's default). Our own
-- 32-bit LCG drives every choice (math.random's algorithm is not part of
-- the language); the output (per-round checksums, a total) depends only on
-- ROUNDS and SEED: table traversal order is never printed.

local function fail(msg)
  io.stderr:write("lua-gc: " .. msg .. "\n")
  os.exit(2)
end

local rounds = tonumber(arg[1] or "")
local seed = tonumber(arg[2] or "2026")
if not rounds or rounds < 1 or math.type(rounds) ~= "integer" or not seed then
  fail("usage: lua-gc.lua ROUNDS [SEED]")
end

local state = seed & 0xffffffff
local function rnd(n)          -- 0 .. n-1
  state = (state * 1103515245 + 12345) & 0xffffffff
  return (state >> 8) % n
end

local function tree(d)
  if d == 0 then return {} end
  return { tree(d - 1), tree(d - 1) }
end

local function check(t)
  if t[1] == nil then return 1 end
  return 1 + check(t[1]) + check(t[2])
end

local function strings(n)
  local parts = {}
  for i = 1, n do
    local w = ""
    for _ = 1, 1 + rnd(6) do w = w .. string.char(97 + rnd(26)) end
    parts[i] = string.format("%s-%d-%s", w, i, w:upper())
  end
  local s = table.concat(parts, ",")
  local c = 0
  for w in s:gmatch("[^,]+") do c = c + #w end
  return (c + #s:gsub("a", "AA")) % 1000000007
end

local function closures(n)
  local q = {}
  for i = 1, n do
    local base = rnd(1000)
    q[i] = function(x) return x + base + i end
  end
  local acc = 0
  for i = n, 1, -1 do acc = (q[i](acc) * 3) % 1000000007 end
  return acc
end

local function records(n)
  local h = {}
  local keys = {}
  for i = 1, n do
    local k = "key" .. rnd(n * 2) .. "_" .. i
    keys[i] = k
    h[k] = { id = i, v = rnd(1 << 20), list = { rnd(10), rnd(10), rnd(10) }, name = "r" .. i }
  end
  for i = 1, n, 3 do h[keys[i]] = nil end
  local acc = 0
  for i = 1, n do
    local r = h[keys[i]]
    if r then acc = (acc * 31 + r.v + r.list[1] + #r.name) % 1000000007 end
  end
  return acc, h
end

collectgarbage("incremental")
local ring, ringpos = {}, 0
local total = 0
for r = 1, rounds do
  local depth = 10 + rnd(4)
  local n = 2000 + rnd(2000)
  local a = check(tree(depth))
  local b = strings(n)
  local c = closures(n)
  local d, h = records(n)
  ringpos = ringpos % 12 + 1
  ring[ringpos] = h
  local cs = (a + b + c + d) % 1000000007
  total = (total * 1000003 + cs) % 1000000007
  print(string.format("round %d depth %d n %d checksum %d", r, depth, n, cs))
end
print(string.format("lua-gc rounds %d seed %d total %d", rounds, seed, total))
