package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"math/big"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/api"
)

// page is what every template gets: the page's title, the signed-in user, the CSRF token of its forms, a
// message from the last form (Flash) and the page's own data.
type page struct {
	Title string
	Nav   string
	User  *plaudit.User
	CSRF  string
	Flash string
	Data  any
}

var funcs = template.FuncMap{
	"pts":    func(p plaudit.Points) string { return p.String() },
	"amount": formatAmount,
	"time":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"date":   func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	"timep": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"can": func(u *plaudit.User) bool {
		return u != nil && (u.Role == plaudit.RoleAdmin || u.Role == plaudit.RoleCore)
	},
	"pathesc": pathEscape,
	"add":     func(a, b int) int { return a + b },
	"ratio":   func(r plaudit.Ratio) string { return r.String() },
	"slug":    func(s string) string { return strings.NewReplacer(".", "-", "/", "-", ":", "-").Replace(s) },
}

// parsePages parses each page template with the layout.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", n, err)
		}
		out[base] = t
	}
	return out, nil
}

// render writes page name with data, rendered in full before anything is sent (a template error is a 500,
// not half a page).
func (p *Panel) render(w http.ResponseWriter, r *http.Request, status int, name, title string, c *caller, data any) {
	t := p.pages[name]
	if t == nil {
		p.fail(w, r, fmt.Errorf("web: no template %q", name))
		return
	}
	pg := page{Title: title, Nav: name, Data: data, Flash: r.URL.Query().Get("msg")}
	if c != nil {
		pg.User, pg.CSRF = c.user, c.csrf
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, pg); err != nil {
		p.log.Error("panel: render", "page", name, "err", err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// show renders page name for the signed-in caller with status 200.
func (p *Panel) show(w http.ResponseWriter, r *http.Request, name, title string, data any) {
	p.render(w, r, http.StatusOK, name, title, callerOf(r), data)
}

type problemData struct {
	Status  int
	Heading string
	Detail  string
}

// problem answers an error page with status.
func (p *Panel) problem(w http.ResponseWriter, r *http.Request, status int, heading, detail string) {
	p.render(w, r, status, "problem", heading, callerOf(r), problemData{Status: status, Heading: heading, Detail: detail})
}

// fail answers err: a domain error with its status and message, anything else as a 500 whose cause is
// logged, not shown.
func (p *Panel) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := plaudit.ErrorCode(err)
	if invalid(err) {
		code = plaudit.EINVALID
	}
	status := api.StatusOf(code)
	if status == http.StatusInternalServerError {
		p.log.Error("panel: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		p.problem(w, r, status, "Something went wrong", "an internal error: the server's log has the details")
		return
	}
	p.problem(w, r, status, http.StatusText(status), plaudit.ErrorMessage(err))
}

// back redirects to the page at to after a form, with msg shown at its top.
func back(w http.ResponseWriter, r *http.Request, to, msg string) {
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	if msg != "" {
		to += sep + "msg=" + queryEscape(msg)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// formatAmount writes base units of a token with decimals as a decimal number ("12.5").
func formatAmount(v *big.Int, decimals int) string {
	if v == nil {
		return "0"
	}
	s := new(big.Int).Abs(v).String()
	neg := v.Sign() < 0
	if decimals > 0 {
		for len(s) <= decimals {
			s = "0" + s
		}
		s = s[:len(s)-decimals] + "." + s[len(s)-decimals:]
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if neg {
		s = "-" + s
	}
	return s
}

func sortStrings(s []string) { sort.Strings(s) }
