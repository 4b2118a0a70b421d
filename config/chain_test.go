package config

import (
	"strings"
	"testing"
)

// TestChainSection: rpc_url written out or from the environment, logs_from_block, and the errors naming
// their line and field without quoting the URL.
func TestChainSection(t *testing.T) {
	env := func(name string) (string, bool) {
		if name == "RPC" {
			return "https://node.example/v2/secretkey", true
		}
		return "", false
	}
	c, err := parse([]byte("chain:\n  rpc_url: env:RPC\n  logs_from_block: 123\n"), "f.yml", env)
	if err != nil || c.Chain.RPCURL.Value() != "https://node.example/v2/secretkey" || c.Chain.LogsFromBlock != 123 || !c.Chain.Configured() {
		t.Fatalf("%+v %v", c, err)
	}
	if strings.Contains(c.String(), "secretkey") {
		t.Fatal("config string shows the rpc url")
	}
	c, err = parse([]byte("chain:\n  rpc_url: http://127.0.0.1:8545\n"), "f.yml", env)
	if err != nil || c.Chain.RPCURL.Value() != "http://127.0.0.1:8545" {
		t.Fatalf("%v", err)
	}
	if c, err := parse([]byte("listen: 127.0.0.1:1\n"), "f.yml", env); err != nil || c.Chain.Configured() {
		t.Fatalf("no chain section: %v", err)
	}
	for doc, want := range map[string]string{
		"chain:\n  rpc_url: ftp://k3y@x\n":                     "line 2: field chain.rpc_url: want an http:// or https:// URL",
		"chain:\n  logs_from_block: -1\n  rpc_url: http://x\n": "line 2: field chain.logs_from_block: want a block number",
		"chain:\n  logs_from_block: 5\n":                       "field chain.rpc_url: required",
		"chain:\n  rpc_url: env:MISSING\n":                     "line 2: field chain.rpc_url: environment variable MISSING is not set",
		"chain:\n  rpc: http://x\n":                            "line 2: field chain.rpc: unknown field",
	} {
		_, err := parse([]byte(doc), "f.yml", env)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "k3y") {
			t.Errorf("%q: %v, want %q", doc, err, want)
		}
	}
}
