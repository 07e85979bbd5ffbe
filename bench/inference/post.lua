-- wrk script: POST the body found in the file named by the BODY environment variable: JSON, or, when JSON_LENGTH is
-- set (not empty), a V2 binary tensor request (its first JSON_LENGTH bytes JSON, binary data after them)
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
local json_length = os.getenv("JSON_LENGTH")
if json_length and json_length ~= "" then
  wrk.headers["Content-Type"] = "application/octet-stream"
  wrk.headers["Inference-Header-Content-Length"] = json_length
else
  wrk.headers["Content-Type"] = "application/json"
end
