package conversation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// User is a GitHub account as the REST API returns it.
type User struct {
	Login string `json:"login"`
	ID    int64  `json:"id"`
	Type  string `json:"type"` // "User", "Bot", "Organization"
}

// Labels are an issue's labels; GitHub writes them as objects with a name, webhook payloads sometimes as
// strings. Both decode.
type Labels []string

// UnmarshalJSON accepts an array of strings or of {"name": ...} objects.
func (l *Labels) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("labels: want an array: %w", err)
	}
	out := make(Labels, 0, len(raw))
	for i, r := range raw {
		r = bytes.TrimSpace(r)
		if len(r) > 0 && r[0] == '"' {
			var s string
			if err := json.Unmarshal(r, &s); err != nil {
				return fmt.Errorf("labels[%d]: %w", i, err)
			}
			out = append(out, s)
			continue
		}
		var o struct {
			Name *string `json:"name"`
		}
		if err := json.Unmarshal(r, &o); err != nil {
			return fmt.Errorf("labels[%d]: want a string or an object with a name", i)
		}
		if o.Name != nil {
			out = append(out, *o.Name)
		}
	}
	*l = out
	return nil
}

// Issue is an issue or a pull request (GET /repos/{o}/{r}/issues/{n} or /pulls/{n}).
type Issue struct {
	ID                int64           `json:"id"`
	Number            int             `json:"number"`
	HTMLURL           string          `json:"html_url"`
	Body              *string         `json:"body"`
	User              *User           `json:"user"`
	Labels            Labels          `json:"labels"`
	Assignee          *User           `json:"assignee"`
	Assignees         []User          `json:"assignees"`
	AuthorAssociation string          `json:"author_association"`
	CreatedAt         string          `json:"created_at"`
	ClosedAt          *string         `json:"closed_at"`
	PullRequest       json.RawMessage `json:"pull_request"` // present on issues that are pull requests
	Head              json.RawMessage `json:"head"`         // present on /pulls answers
}

// IsPull reports whether the issue is a pull request.
func (i *Issue) IsPull() bool {
	return (len(i.PullRequest) > 0 && string(i.PullRequest) != "null") || (len(i.Head) > 0 && string(i.Head) != "null")
}

// Comment is an issue comment, a pull-request review comment, or a review (its body), as the REST API
// returns them.
type Comment struct {
	ID                  int64   `json:"id"`
	Body                *string `json:"body"`
	User                *User   `json:"user"`
	AuthorAssociation   string  `json:"author_association"`
	HTMLURL             string  `json:"html_url"`
	CreatedAt           string  `json:"created_at"`
	SubmittedAt         string  `json:"submitted_at"` // reviews
	IsMinimized         bool    `json:"isMinimized"`  // from GraphQL, when the caller merged it in
	PullRequestReviewID int64   `json:"pull_request_review_id"`
	DiffHunk            string  `json:"diff_hunk"`
}

// Review is a pull-request review (GET /repos/{o}/{r}/pulls/{n}/reviews). Additions and Deletions are not
// GitHub fields: a caller that has compared the review's commit with the previous one fills them in.
type Review struct {
	Comment
	State          string `json:"state"`
	CommitID       string `json:"commit_id"`
	PullRequestURL string `json:"pull_request_url"`
	Additions      *int   `json:"additions"`
	Deletions      *int   `json:"deletions"`
}

// File is one changed file of a pull request (GET /repos/{o}/{r}/pulls/{n}/files).
type File struct {
	Filename  string `json:"filename"`
	Additions int    `json:"additions"`
	Deletions int    `json:"deletions"`
}

// IssueEvent is an issue event (GET /repos/{o}/{r}/issues/{n}/events), used for the close time and for
// assignment periods.
type IssueEvent struct {
	ID        int64  `json:"id"`
	Event     string `json:"event"`
	CreatedAt string `json:"created_at"`
	Actor     *User  `json:"actor"`
	Assignee  *User  `json:"assignee"`
}

// MaxJSONLen bounds one GitHub JSON document.
const MaxJSONLen = 64 << 20

// DecodeIssue decodes an issue or pull request and checks the fields the scorer needs. name is the input's
// name for error messages (a file path).
func DecodeIssue(name string, data []byte) (*Issue, error) {
	var is Issue
	if err := decodeStrict(data, &is); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := checkIssue(&is); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &is, nil
}

func checkIssue(is *Issue) error {
	switch {
	case is.ID <= 0:
		return errors.New("id: missing or not positive")
	case is.User == nil || is.User.Login == "":
		return errors.New("user.login: missing")
	case is.HTMLURL == "":
		return errors.New("html_url: missing")
	}
	for i, a := range is.Assignees {
		if a.Login == "" {
			return fmt.Errorf("assignees[%d].login: missing", i)
		}
	}
	return nil
}

// DecodeComments decodes an array of issue comments or review comments.
func DecodeComments(name string, data []byte) ([]Comment, error) {
	return decodeArray(name, data, func(i int, c *Comment) error {
		switch {
		case c.ID <= 0:
			return errors.New("id: missing or not positive")
		case c.User == nil || c.User.Login == "":
			return errors.New("user.login: missing")
		}
		return nil
	})
}

// DecodeReviews decodes an array of pull-request reviews.
func DecodeReviews(name string, data []byte) ([]Review, error) {
	return decodeArray(name, data, func(i int, r *Review) error {
		switch {
		case r.ID <= 0:
			return errors.New("id: missing or not positive")
		case r.User == nil || r.User.Login == "":
			return errors.New("user.login: missing")
		case r.Additions != nil && *r.Additions < 0:
			return errors.New("additions: negative")
		case r.Deletions != nil && *r.Deletions < 0:
			return errors.New("deletions: negative")
		}
		return nil
	})
}

// DecodeFiles decodes an array of pull-request files.
func DecodeFiles(name string, data []byte) ([]File, error) {
	return decodeArray(name, data, func(i int, f *File) error {
		switch {
		case f.Filename == "":
			return errors.New("filename: missing")
		case f.Additions < 0 || f.Deletions < 0:
			return errors.New("additions/deletions: negative")
		}
		return nil
	})
}

// DecodeEvents decodes an array of issue events.
func DecodeEvents(name string, data []byte) ([]IssueEvent, error) {
	return decodeArray(name, data, func(i int, e *IssueEvent) error {
		if e.Event == "" {
			return errors.New("event: missing")
		}
		return nil
	})
}

// decodeArray decodes a JSON array element by element, so that an error names the element and the field.
func decodeArray[T any](name string, data []byte, check func(int, *T) error) ([]T, error) {
	if len(data) > MaxJSONLen {
		return nil, fmt.Errorf("%s: %d bytes, at most %d", name, len(data), MaxJSONLen)
	}
	if t := bytes.TrimSpace(data); len(t) == 0 || t[0] != '[' {
		return nil, fmt.Errorf("%s: want a JSON array", name)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: want a JSON array: %w", name, jsonErr(err))
	}
	out := make([]T, len(raw))
	for i, r := range raw {
		if err := decodeStrict(r, &out[i]); err != nil {
			return nil, fmt.Errorf("%s: [%d]: %w", name, i, err)
		}
		if err := check(i, &out[i]); err != nil {
			return nil, fmt.Errorf("%s: [%d].%w", name, i, err)
		}
	}
	return out, nil
}

// decodeStrict decodes one JSON value, with type errors naming the field.
func decodeStrict(data []byte, v any) error {
	if len(data) > MaxJSONLen {
		return fmt.Errorf("%d bytes, at most %d", len(data), MaxJSONLen)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return errors.New("want a JSON object")
	}
	if err := json.Unmarshal(trimmed, v); err != nil {
		return jsonErr(err)
	}
	return nil
}

// jsonErr rewrites encoding/json errors to name the field by its JSON path.
func jsonErr(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "(value)"
		}
		return fmt.Errorf("%s: want %s, got JSON %s", field, te.Type, te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("JSON syntax error at byte %d: %v", se.Offset, err)
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "json: ")
	return errors.New(msg)
}
