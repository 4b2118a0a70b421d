// Package chain reads what Plaudit needs to know from an EVM chain over JSON-RPC 2.0: the latest block,
// Permit2's nonce bitmap (has a claim's nonce been used or invalidated?), an ERC-20 token's balance and
// allowance (can the funding wallet still pay?), and the logs that tell a used nonce from an invalidated one
// and name the claiming transaction.
//
// Everything is read with eth_call, eth_blockNumber and eth_getLogs against the node at one RPC URL; nothing
// is ever sent or signed here. The answers are for display (a claim's status on the member portal), never
// for anything settled: the chain may reorganise, and a status is only as fresh as the block it was read at.
package chain

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
)

// Function selectors: the first four bytes of keccak256 of each signature.
var (
	selNonceBitmap = selector("nonceBitmap(address,uint256)")
	selBalanceOf   = selector("balanceOf(address)")
	selAllowance   = selector("allowance(address,address)")
)

// Event topics: keccak256 of each event's signature.
var (
	// TopicTransfer is ERC-20's Transfer(address indexed from, address indexed to, uint256 value).
	TopicTransfer = payout.Keccak256([]byte("Transfer(address,address,uint256)"))
	// TopicUnorderedNonceInvalidation is Permit2's UnorderedNonceInvalidation(address indexed owner,
	// uint256 word, uint256 mask), emitted by invalidateUnorderedNonces.
	TopicUnorderedNonceInvalidation = payout.Keccak256([]byte("UnorderedNonceInvalidation(address,uint256,uint256)"))
)

func selector(sig string) [4]byte {
	h := payout.Keccak256([]byte(sig))
	return [4]byte(h[:4])
}

// MaxResponse bounds the bytes of one JSON-RPC answer read: far above any eth_call or log page Plaudit asks
// for, small enough that a wrong URL (a web page, a file) cannot exhaust memory.
const MaxResponse = 8 << 20

// Client is a JSON-RPC 2.0 client of one EVM node. It is safe for concurrent use.
type Client struct {
	url  string
	http *http.Client
	id   atomic.Int64
}

// New returns a client of the node at rpcURL (http or https). hc is the HTTP client (one with a 15 s
// timeout when nil).
func New(rpcURL string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(rpcURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, plaudit.Errorf(plaudit.EINVALID, "chain rpc url: want an http:// or https:// URL")
	}
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	return &Client{url: rpcURL, http: hc}, nil
}

// RPCError is an error object a node answered with (JSON-RPC 2.0 "error").
type RPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *RPCError) Error() string { return fmt.Sprintf("json-rpc error %d: %s", e.Code, e.Message) }

type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      int64  `json:"id"`
	Method  string `json:"method"`
	Params  []any  `json:"params"`
}

type response struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   *RPCError       `json:"error"`
}

// call sends one JSON-RPC request and decodes its result into out. The URL never appears in an error,
// since node URLs often carry an API key.
func (c *Client) call(ctx context.Context, method string, params []any, out any) error {
	id := c.id.Add(1)
	body, err := json.Marshal(request{JSONRPC: "2.0", ID: id, Method: method, Params: params})
	if err != nil {
		return fmt.Errorf("%s: encode: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", method, redactURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", method, redactURL(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
	if err != nil {
		return fmt.Errorf("%s: read the answer: %w", method, err)
	}
	if len(raw) > MaxResponse {
		return fmt.Errorf("%s: answer larger than %d bytes", method, MaxResponse)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: the node answered HTTP %d", method, resp.StatusCode)
	}
	return decodeAnswer(method, id, raw, out)
}

// decodeAnswer decodes a JSON-RPC 2.0 answer to request id into out: the node's error, an answer to
// another request or no result are errors.
func decodeAnswer(method string, id int64, raw []byte, out any) error {
	var r response
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("%s: the node's answer is not JSON-RPC: %w", method, err)
	}
	if r.Error != nil {
		return fmt.Errorf("%s: %w", method, r.Error)
	}
	if r.JSONRPC != "2.0" || string(r.ID) != strconv.FormatInt(id, 10) {
		return fmt.Errorf("%s: the node answered jsonrpc %q id %s, want 2.0 and id %d", method, r.JSONRPC, clip(string(r.ID)), id)
	}
	if len(r.Result) == 0 || string(r.Result) == "null" {
		return fmt.Errorf("%s: the node answered no result", method)
	}
	if err := json.Unmarshal(r.Result, out); err != nil {
		return fmt.Errorf("%s: result: %w", method, err)
	}
	return nil
}

// redactURL strips the request URL from a transport error (*url.Error quotes it).
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s the node: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

// BlockNumber returns the latest block's number (eth_blockNumber).
func (c *Client) BlockNumber(ctx context.Context) (uint64, error) {
	var s string
	if err := c.call(ctx, "eth_blockNumber", []any{}, &s); err != nil {
		return 0, err
	}
	v, err := parseQuantity(s)
	if err != nil || !v.IsUint64() {
		return 0, fmt.Errorf("eth_blockNumber: %q is not a block number", clip(s))
	}
	return v.Uint64(), nil
}

// Call runs a read-only call of to with data at the latest block (eth_call) and returns what it returned.
func (c *Client) Call(ctx context.Context, to payout.Address, data []byte) ([]byte, error) {
	var s string
	arg := map[string]string{"to": strings.ToLower(to.String()), "data": "0x" + hex.EncodeToString(data)}
	if err := c.call(ctx, "eth_call", []any{arg, "latest"}, &s); err != nil {
		return nil, err
	}
	b, err := parseData(s)
	if err != nil {
		return nil, fmt.Errorf("eth_call: %w", err)
	}
	return b, nil
}

// callUint calls to with data and decodes one uint256 word.
func (c *Client) callUint(ctx context.Context, what string, to payout.Address, data []byte) (*big.Int, error) {
	out, err := c.Call(ctx, to, data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(out) != 32 {
		return nil, fmt.Errorf("%s: the call returned %d bytes, want one 32-byte word (is %s a contract of that kind on this chain?)", what, len(out), to)
	}
	return new(big.Int).SetBytes(out), nil
}

// NonceBitmap returns Permit2's nonceBitmap(owner, wordPos): bit b of the word is set once the nonce
// wordPos<<8 | b was used or invalidated.
func (c *Client) NonceBitmap(ctx context.Context, permit2, owner payout.Address, wordPos *big.Int) (*big.Int, error) {
	return c.callUint(ctx, "permit2 nonceBitmap", permit2, encode(selNonceBitmap, addressWord(owner), uintWord(wordPos)))
}

// BalanceOf returns the ERC-20 token's balanceOf(owner), in base units.
func (c *Client) BalanceOf(ctx context.Context, token, owner payout.Address) (*big.Int, error) {
	return c.callUint(ctx, "token balanceOf", token, encode(selBalanceOf, addressWord(owner)))
}

// Allowance returns the ERC-20 token's allowance(owner, spender), in base units: for Permit2 claims the
// spender is the Permit2 contract.
func (c *Client) Allowance(ctx context.Context, token, owner, spender payout.Address) (*big.Int, error) {
	return c.callUint(ctx, "token allowance", token, encode(selAllowance, addressWord(owner), addressWord(spender)))
}

// Log is one event log (eth_getLogs): the contract, its topics, its data and the transaction that emitted it.
type Log struct {
	Address     payout.Address
	Topics      []payout.Hash
	Data        []byte
	BlockNumber uint64
	TxHash      payout.Hash
}

type rawLog struct {
	Address     payout.Address `json:"address"`
	Topics      []payout.Hash  `json:"topics"`
	Data        string         `json:"data"`
	BlockNumber string         `json:"blockNumber"`
	TxHash      payout.Hash    `json:"transactionHash"`
	Removed     bool           `json:"removed"`
}

// Logs returns the logs of contract from block from to the latest whose topics match topics (position by
// position; a nil entry matches anything). Logs a reorganisation removed are left out.
func (c *Client) Logs(ctx context.Context, contract payout.Address, from uint64, topics []*payout.Hash) ([]Log, error) {
	ts := make([]any, len(topics))
	for i, t := range topics {
		if t != nil {
			ts[i] = t.String()
		}
	}
	filter := map[string]any{"address": strings.ToLower(contract.String()), "fromBlock": "0x" + strconv.FormatUint(from, 16),
		"toBlock": "latest", "topics": ts}
	var raw []rawLog
	if err := c.call(ctx, "eth_getLogs", []any{filter}, &raw); err != nil {
		return nil, err
	}
	out := make([]Log, 0, len(raw))
	for i, r := range raw {
		if r.Removed {
			continue
		}
		data, err := parseData(r.Data)
		if err != nil {
			return nil, fmt.Errorf("eth_getLogs: log %d data: %w", i, err)
		}
		n, err := parseQuantity(r.BlockNumber)
		if err != nil || !n.IsUint64() {
			return nil, fmt.Errorf("eth_getLogs: log %d: block number %q", i, clip(r.BlockNumber))
		}
		out = append(out, Log{Address: r.Address, Topics: r.Topics, Data: data, BlockNumber: n.Uint64(), TxHash: r.TxHash})
	}
	return out, nil
}

// AddressTopic is an address as an indexed event topic (left-padded to 32 bytes).
func AddressTopic(a payout.Address) payout.Hash { return payout.Hash(addressWord(a)) }

func encode(sel [4]byte, words ...[32]byte) []byte {
	out := append([]byte(nil), sel[:]...)
	for _, w := range words {
		out = append(out, w[:]...)
	}
	return out
}

func addressWord(a payout.Address) (w [32]byte) {
	copy(w[12:], a[:])
	return w
}

func uintWord(v *big.Int) (w [32]byte) {
	if v != nil && v.Sign() >= 0 && v.BitLen() <= 256 {
		v.FillBytes(w[:])
	}
	return w
}

// parseQuantity parses a JSON-RPC quantity: 0x followed by hex digits without leading zeros (tolerated).
func parseQuantity(s string) (*big.Int, error) {
	if len(s) < 3 || (s[:2] != "0x" && s[:2] != "0X") || len(s) > 66 {
		return nil, fmt.Errorf("quantity %q: want 0x and hex digits", clip(s))
	}
	v, ok := new(big.Int).SetString(s[2:], 16)
	if !ok {
		return nil, fmt.Errorf("quantity %q: not hex", clip(s))
	}
	return v, nil
}

// parseData parses JSON-RPC data: 0x followed by an even number of hex digits.
func parseData(s string) ([]byte, error) {
	if len(s) < 2 || (s[:2] != "0x" && s[:2] != "0X") {
		return nil, fmt.Errorf("data %q: want 0x and hex digits", clip(s))
	}
	b, err := hex.DecodeString(s[2:])
	if err != nil {
		return nil, fmt.Errorf("data %q: not hex", clip(s))
	}
	return b, nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
