package config

import (
	"net/url"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Chain is the chain section: the JSON-RPC node the member portal reads each Permit2 claim's true status
// from (Permit2's nonceBitmap, the token's balanceOf and allowance, and the logs naming the claiming
// transaction). Without it the portal shows claims without a status. The chain is payout.chain_id's and the
// Permit2 contract payout.permit2's.
type Chain struct {
	// RPCURL is the node's http(s) URL (chain.rpc_url): written out, or env:NAME when it holds an API key.
	// It never appears in logs or pages.
	RPCURL Secret
	// LogsFromBlock is the first block searched for the claims' transactions and nonce invalidations
	// (chain.logs_from_block), e.g. the block of the first payout; 0 searches no logs, and then a used nonce
	// is shown as claimed without telling a claim from an invalidation.
	LogsFromBlock uint64
}

// Configured reports whether the chain section names a node.
func (c Chain) Configured() bool { return c.RPCURL.value != "" }

// chain decodes the chain section.
func (d *decoder) chain(n *yaml.Node, path string, dst *Chain) {
	d.mapping(n, path, map[string]field{
		"rpc_url": func(n *yaml.Node, p string) { d.rpcURL(n, p, &dst.RPCURL) },
		"logs_from_block": func(n *yaml.Node, p string) {
			if !d.usable(n, p) {
				return
			}
			const want = "a block number, a whole number from 0"
			if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
				d.fail(n, p, "want %s, got %s", want, kindName(n))
				return
			}
			v, err := strconv.ParseUint(n.Value, 10, 64)
			if err != nil {
				d.fail(n, p, "want %s, got %s", want, truncate(n.Value, 40))
				return
			}
			dst.LogsFromBlock = v
		},
	})
	if n.Kind == yaml.MappingNode && !hasKey(n, "rpc_url") {
		d.fail(n, path+".rpc_url", "required: the JSON-RPC node claims' statuses are read from")
	}
}

// rpcURL reads a node URL, written out (a public node) or as env:NAME (a URL holding an API key). The URL
// is never quoted in an error, since it may hold a key.
func (d *decoder) rpcURL(n *yaml.Node, path string, dst *Secret) {
	if !d.usable(n, path) {
		return
	}
	s, ok := d.str(n, path, "an http:// or https:// URL, or env:NAME")
	if !ok {
		return
	}
	sec := Secret{env: "(file)", value: s}
	if strings.HasPrefix(s, "env:") {
		if sec, ok = d.envRef(n, path, s); !ok {
			return
		}
	}
	u, err := url.Parse(sec.value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		d.fail(n, path, "want an http:// or https:// URL")
		return
	}
	*dst = sec
}

// hasKey reports whether mapping n has the key name.
func hasKey(n *yaml.Node, name string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == name {
			return true
		}
	}
	return false
}
