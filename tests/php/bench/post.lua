-- wrk: POST /summer/sum with {"a":1,"b":2}, as every summer benchmark sends it.
wrk.method = "POST"
wrk.body = '{"a":1,"b":2}'
wrk.headers["Content-Type"] = "application/json"
