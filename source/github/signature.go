package github

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
)

// SignatureHeader is the header GitHub signs a webhook's body in: "sha256=" and the hex HMAC-SHA256 of the
// raw body under the webhook's secret.
const SignatureHeader = "X-Hub-Signature-256"

// Errors of VerifySignature; the webhook answers each with 401.
var (
	ErrNoSignature  = errors.New("missing X-Hub-Signature-256 (the SHA-1 X-Hub-Signature alone is not accepted)")
	ErrBadSignature = errors.New("X-Hub-Signature-256 does not match the body under the webhook secret")
)

// VerifySignature checks header, the value of X-Hub-Signature-256, against body under secret, in constant
// time. Only SHA-256 is accepted: SHA-1 signatures are refused, so that a body forged under SHA-1 cannot pass.
func VerifySignature(secret, body []byte, header string) error {
	if header == "" {
		return ErrNoSignature
	}
	hexSum, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return ErrBadSignature
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil || len(got) != sha256.Size {
		return ErrBadSignature
	}
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return ErrBadSignature
	}
	return nil
}

// Sign returns the X-Hub-Signature-256 value of body under secret, as GitHub computes it: for tests and
// for tools that replay deliveries.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}
