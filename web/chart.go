package web

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// series is one line of a chart, or the bars of a bar chart.
type series struct {
	Name   string
	Values []float64
}

// palette colours the series in order; it reads on white and in grey scale.
var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"}

// Chart geometry, in SVG user units.
const (
	chartW, chartH          = 720, 280
	padL, padR, padT, padB  = 64, 16, 60, 40
	plotW, plotH            = chartW - padL - padR, chartH - padT - padB
	maxXLabels              = 8
	chartFont               = `font-family="system-ui, sans-serif" font-size="12"`
	chartAxisColour         = "#666"
	chartGridColour         = "#ddd"
	chartBackgroundColour   = "#fff"
	chartEmptyMessageColour = "#666"
)

// niceMax rounds m up to 1, 2 or 5 times a power of ten, so that the axis reads well.
func niceMax(m float64) float64 {
	if m <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(m)))
	for _, f := range []float64{1, 2, 5, 10} {
		if f*p >= m {
			return f * p
		}
	}
	return 10 * p
}

func fmtNum(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// chartFrame writes the SVG's opening, title, grid and axes, and returns the y scale's maximum.
func chartFrame(b *strings.Builder, title string, labels []string, max float64, desc string) float64 {
	top := niceMax(max)
	fmt.Fprintf(b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s" xmlns="http://www.w3.org/2000/svg" %s>`,
		chartW, chartH, html.EscapeString(chartID(title)), chartFont)
	fmt.Fprintf(b, `<title id="%s">%s</title><desc>%s</desc>`, html.EscapeString(chartID(title)), html.EscapeString(title), html.EscapeString(desc))
	fmt.Fprintf(b, `<rect width="%d" height="%d" fill="%s"/>`, chartW, chartH, chartBackgroundColour)
	fmt.Fprintf(b, `<text x="%d" y="20" font-weight="bold">%s</text>`, padL, html.EscapeString(title))
	for i := 0; i <= 4; i++ {
		y := padT + plotH - plotH*i/4
		fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s"/>`, padL, y, padL+plotW, y, chartGridColour)
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="end" fill="%s">%s</text>`, padL-6, y+4, chartAxisColour, fmtNum(top*float64(i)/4))
	}
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s"/>`, padL, padT+plotH, padL+plotW, padT+plotH, chartAxisColour)
	step := max1(len(labels)/maxXLabels, 1)
	for i, l := range labels {
		if i%step != 0 && i != len(labels)-1 {
			continue
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" fill="%s">%s</text>`, xOf(i, len(labels)), padT+plotH+18, chartAxisColour, html.EscapeString(l))
	}
	return top
}

func max1(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// xOf is the x of the middle of slot i of n.
func xOf(i, n int) float64 {
	if n <= 0 {
		return padL
	}
	return padL + (float64(i)+0.5)*float64(plotW)/float64(n)
}

func chartID(title string) string {
	var b strings.Builder
	b.WriteString("chart-")
	for _, r := range strings.ToLower(title) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

// lineChart draws one line per series over labels, with a legend: an inline SVG that needs no script
// and no outside service.
func lineChart(title string, labels []string, ss []series) template.HTML {
	var b strings.Builder
	var m float64
	var names []string
	for _, s := range ss {
		names = append(names, s.Name)
		for _, v := range s.Values {
			m = math.Max(m, v)
		}
	}
	top := chartFrame(&b, title, labels, m, "one line per series: "+strings.Join(names, ", "))
	if len(ss) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="%s">no data in this period</text>`, padL+plotW/2, padT+plotH/2, chartEmptyMessageColour)
	}
	for k, s := range ss {
		col := palette[k%len(palette)]
		var pts []string
		for i, v := range s.Values {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xOf(i, len(labels)), padT+plotH-v/top*plotH))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"><title>%s</title></polyline>`, col, strings.Join(pts, " "), html.EscapeString(s.Name))
		lx := padL + 100*k
		fmt.Fprintf(&b, `<rect x="%d" y="32" width="12" height="12" fill="%s"/><text x="%d" y="42">%s</text>`, lx, col, lx+16, html.EscapeString(s.Name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec: every text above is escaped
}

// barChart draws one bar per label.
func barChart(title string, labels []string, values []float64, colour string) template.HTML {
	var b strings.Builder
	var m float64
	for _, v := range values {
		m = math.Max(m, v)
	}
	top := chartFrame(&b, title, labels, m, "one bar per period")
	if len(values) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="%s">no data yet</text>`, padL+plotW/2, padT+plotH/2, chartEmptyMessageColour)
	}
	w := float64(plotW) / float64(max1(len(values), 1)) * 0.7
	for i, v := range values {
		h := v / top * plotH
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>`,
			xOf(i, len(values))-w/2, padT+plotH-h, w, h, colour, html.EscapeString(labels[i]), fmtNum(v))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
