module github.com/brief-rpc/brief/examples/events/go

go 1.24

require github.com/brief-rpc/brief/runtime/go v0.0.0

replace github.com/brief-rpc/brief/runtime/go => ../../../runtime/go
