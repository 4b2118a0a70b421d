package plaudit

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes tell callers (the CLI, the API) how to answer a failure without parsing its text.
const (
	ECONFLICT     = "conflict"     // the action conflicts with the current state (closing a closed epoch twice differently)
	EINTERNAL     = "internal"     // a bug or an outage: not the caller's fault
	EINVALID      = "invalid"      // the input is wrong; the message says what and where
	ENOTFOUND     = "not_found"    // the thing named does not exist
	EFORBIDDEN    = "forbidden"    // the caller may not do this (transfer community ENG, use a key for another owner)
	EUNAUTHORIZED = "unauthorized" // the caller did not prove who it is (a bad webhook signature)
)

// Error is a domain error with a code for machines and a message for people. Wrap it with fmt.Errorf and %w
// to add context; ErrorCode and ErrorMessage find it again.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("plaudit error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other error, "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the human message of the first *Error in err's chain, or a generic one for internal
// errors so that nothing internal (a DSN, a key) leaks to a user.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// FieldError says which field of which input was wrong and why: the unit of every validation report.
// Line is 1-based and 0 when the input has no lines (an API request); Index is the position in a batch.
type FieldError struct {
	Line   int    // line in the input file, 1-based; 0 if not from a file
	Index  int    // position in a batch, 0-based; -1 if not from a batch
	ID     string // the event's external id, when known
	Field  string // JSON field name, e.g. "kind" or "attrs.tier"
	Reason string // what was wrong, e.g. `unknown kind "liek"`
}

// Error implements the error interface: "line 12: field kind: unknown kind "liek"".
func (e *FieldError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	} else if e.Index >= 0 {
		fmt.Fprintf(&b, "event %d: ", e.Index)
	}
	if e.ID != "" {
		fmt.Fprintf(&b, "id %q: ", e.ID)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, "field %s: ", e.Field)
	}
	b.WriteString(e.Reason)
	return b.String()
}

// ValidationError collects every FieldError of one input, so that a user fixes a file in one pass.
type ValidationError struct {
	Input  string // file name or "request"
	Errors []*FieldError
}

// Error implements the error interface, listing up to 20 problems.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d invalid", e.Input, len(e.Errors))
	for i, fe := range e.Errors {
		if i == 20 {
			fmt.Fprintf(&b, "\n  … and %d more", len(e.Errors)-20)
			break
		}
		b.WriteString("\n  ")
		b.WriteString(fe.Error())
	}
	return b.String()
}
