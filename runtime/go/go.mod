module github.com/brief-rpc/brief/runtime/go

go 1.24
