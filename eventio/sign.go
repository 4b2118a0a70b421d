package eventio

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/didkey"
)

// SignatureAttr is the attribute in which a native event carries its author's detached Ed25519 signature,
// "did:key:z6Mk…;sig=BASE64URL" (docs/events.md, "Signed native events"). It is stored with the event, so
// that witnesses can check it again from the log.
const SignatureAttr = "signature"

// SigningDomain begins the bytes an author signs, so that a signature over an event can never be taken for
// a signature over anything else. A new canonical form would get a new domain; this one is kept stable.
const SigningDomain = "plaudit-event-v1\n"

// MaxSignatureLen bounds attrs.signature: a did:key (56 bytes), ";sig=" and 86 characters of base64url.
const MaxSignatureLen = 256

// SigningBytes returns the bytes an author signs for ev: SigningDomain followed by the canonical JSON of
// the event (AppendEvent: fields in a fixed order, attrs keys sorted, no seq) with attrs.signature left out
// (and attrs left out when nothing else is in it). It is what a client computes before posting and what
// the API and the witnesses verify.
func SigningBytes(ev *plaudit.Event) ([]byte, error) {
	c := *ev
	if _, ok := ev.Attrs[SignatureAttr]; ok {
		c.Attrs = make(map[string]any, len(ev.Attrs)-1)
		for k, v := range ev.Attrs {
			if k != SignatureAttr {
				c.Attrs[k] = v
			}
		}
	}
	return AppendEvent([]byte(SigningDomain), &c)
}

// FormatSignature returns the attrs.signature value for a signature sig by the key did.
func FormatSignature(did string, sig []byte) string {
	return did + ";sig=" + base64.RawURLEncoding.EncodeToString(sig)
}

// ParseSignature reads an attrs.signature value "did:key:z6Mk…;sig=BASE64URL" (base64url without
// padding, 64 bytes) into the did and the signature. Its errors say what is wrong with the value.
func ParseSignature(s string) (did string, sig []byte, err error) {
	if len(s) > MaxSignatureLen {
		return "", nil, fmt.Errorf("too long: %d bytes, at most %d", len(s), MaxSignatureLen)
	}
	did, enc, ok := strings.Cut(s, ";sig=")
	if !ok {
		return "", nil, errors.New(`want "did:key:z6Mk…;sig=BASE64URL"`)
	}
	if _, err := didkey.Parse(did); err != nil {
		return "", nil, err
	}
	sig, err = base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil {
		return "", nil, fmt.Errorf("sig: not unpadded base64url: %v", err)
	}
	if base64.RawURLEncoding.EncodeToString(sig) != enc { // the decoder skips \r and \n: one signature, one spelling
		return "", nil, errors.New("sig: not unpadded base64url: line breaks or other characters outside the alphabet")
	}
	if len(sig) != 64 {
		return "", nil, fmt.Errorf("sig: %d bytes, an Ed25519 signature has 64", len(sig))
	}
	return did, sig, nil
}
