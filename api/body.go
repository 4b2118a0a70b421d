package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/plaudit/plaudit"
)

// MaxRequestBody is the largest JSON request body of the resource routes (everything but POST /v1/events,
// which takes Options.MaxBodyBytes): their bodies are a few fields.
const MaxRequestBody = 64 << 10

// decodeStrict decodes one JSON value from data into v, refusing unknown fields, a wrong type and trailing
// data after the value, with an invalid-input error naming the field.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return &plaudit.ValidationError{Input: "request body", Errors: []*plaudit.FieldError{{Index: -1, Reason: "trailing data after the JSON object"}}}
	}
	return nil
}

// bodyError turns a JSON decoding error into an invalid-input error naming the field.
func bodyError(err error) error {
	fe := &plaudit.FieldError{Index: -1}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		fe.Field, fe.Reason = te.Field, fmt.Sprintf("want %s, got %s", te.Type, te.Value)
	case errors.As(err, &se):
		fe.Reason = fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se)
	case errors.Is(err, io.EOF):
		fe.Reason = "empty body: want a JSON object"
	case errors.Is(err, io.ErrUnexpectedEOF):
		fe.Reason = "malformed JSON: the body ends early"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		fe.Field, fe.Reason = name, "unknown field"
	default:
		fe.Reason = err.Error()
		var pe *plaudit.Error
		if errors.As(err, &pe) {
			fe.Reason = pe.Message
		}
	}
	return &plaudit.ValidationError{Input: "request body", Errors: []*plaudit.FieldError{fe}}
}

// readBody reads a request body of one of the media types, at most limit bytes, answering 415 or 413 (and
// returning nil, false) when it is not.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, types ...string) ([]byte, bool) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	ok := err == nil
	if ok {
		ok = false
		for _, t := range types {
			ok = ok || mt == t
		}
	}
	if !ok {
		writeError(w, http.StatusUnsupportedMediaType, plaudit.EINVALID, "Content-Type must be "+strings.Join(types, " or "))
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, plaudit.EINVALID, "request body larger than "+strconv.FormatInt(mbe.Limit, 10)+" bytes")
			return nil, false
		}
		writeError(w, http.StatusBadRequest, plaudit.EINVALID, "read request body: "+err.Error())
		return nil, false
	}
	return body, true
}

// decodeBody reads a JSON request body into v strictly (decodeStrict), answering the error itself and
// returning false when it is refused.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	body, ok := readBody(w, r, MaxRequestBody, "application/json")
	if !ok {
		return false
	}
	if err := decodeStrict(body, v); err != nil {
		WriteError(w, err)
		return false
	}
	return true
}

// fail answers err: invalid input and domain errors as they are, anything else through s.internal (logged,
// 500, or 503 for a busy store).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ve *plaudit.ValidationError
	var fe *plaudit.FieldError
	if errors.As(err, &ve) || errors.As(err, &fe) {
		WriteError(w, err)
		return
	}
	s.internal(r.Context(), w, r, err)
}

// operatorOf is who a request acts as, for the records that keep who did what: "api:" and the key's name
// (or role).
func operatorOf(r *http.Request) string {
	c := CallerOf(r.Context())
	switch {
	case c == nil:
		return "api"
	case c.Name != "":
		return "api:" + c.Name
	}
	return "api:" + string(c.Role)
}

// memberKey returns the member a member key is bound to, and "" for every other caller.
func memberKey(r *http.Request) string {
	if c := CallerOf(r.Context()); c != nil && c.Role == plaudit.RoleMember {
		return c.Member
	}
	return ""
}

// ownOnly answers 403 and returns false when the caller is a member key and handle is not its member;
// every other caller passes.
func ownOnly(w http.ResponseWriter, r *http.Request, handle string) bool {
	c := CallerOf(r.Context())
	if c == nil || c.Role != plaudit.RoleMember || c.Member == handle {
		return true
	}
	WriteError(w, plaudit.Errorf(plaudit.EFORBIDDEN, "a member key reads only its own member (%s)", c.Member))
	return false
}
