package home

import (
	"fmt"
	"html"
	"html/template"
	"net/url"
	"regexp"
	"strings"
)

// markdown renders the Markdown of Signet's own documents (docs/*.md) as
// HTML: headings, paragraphs, fenced code, lists and pipe tables, with
// code spans, links and bold inside. It is not a general Markdown
// renderer (no nesting, no HTML blocks, no emphasis but **bold**): the
// documents keep to this subset, and a dependency for the rest would buy
// nothing. Everything from the text is escaped.
//
// Headings get the id GitHub gives them, so links between sections work
// the same on both sites. A table row whose first cell starts with a
// code span gets that code as its id (the first such row of a code
// wins), so an error_url's fragment (#error_type) lands on its row.
func markdown(src string) template.HTML {
	r := renderer{ids: map[string]bool{}}
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); {
		line := lines[i]
		switch {
		case strings.TrimSpace(line) == "":
			i++
		case strings.HasPrefix(line, "```"):
			i = r.fence(lines, i)
		case heading.MatchString(line):
			r.heading(line)
			i++
		case strings.HasPrefix(line, "|"):
			i = r.table(lines, i)
		case strings.HasPrefix(line, "- "):
			i = r.list(lines, i)
		default:
			i = r.paragraph(lines, i)
		}
	}
	return template.HTML(r.b.String())
}

var heading = regexp.MustCompile(`^(#{1,6}) +(.*)$`)

type renderer struct {
	b   strings.Builder
	ids map[string]bool // ids given so far: each is given once
}

// id returns s as an unused id, or "" if it is taken.
func (r *renderer) id(s string) string {
	if s == "" || r.ids[s] {
		return ""
	}
	r.ids[s] = true
	return s
}

func (r *renderer) heading(line string) {
	m := heading.FindStringSubmatch(line)
	level, text := len(m[1]), m[2]
	fmt.Fprintf(&r.b, "<h%d%s>%s</h%d>\n", level, idAttr(r.id(slug(text))), inline(text), level)
}

// slug is GitHub's anchor of a heading: lower case, spaces to hyphens,
// punctuation other than hyphens and underscores dropped.
func slug(text string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(text) {
		switch {
		case c == ' ':
			b.WriteByte('-')
		case c == '-' || c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c > 127:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func idAttr(id string) string {
	if id == "" {
		return ""
	}
	return ` id="` + html.EscapeString(id) + `"`
}

func (r *renderer) fence(lines []string, i int) int {
	r.b.WriteString("<pre><code>")
	for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
		r.b.WriteString(html.EscapeString(lines[i]) + "\n")
	}
	r.b.WriteString("</code></pre>\n")
	return i + 1
}

func (r *renderer) paragraph(lines []string, i int) int {
	var text []string
	for ; i < len(lines) && strings.TrimSpace(lines[i]) != "" && !blockStart(lines[i]); i++ {
		text = append(text, strings.TrimSpace(lines[i]))
	}
	if len(text) == 0 { // a line no block takes: show it as text
		text, i = []string{lines[i]}, i+1
	}
	r.b.WriteString("<p>" + inline(strings.Join(text, " ")) + "</p>\n")
	return i
}

func blockStart(line string) bool {
	return strings.HasPrefix(line, "```") || heading.MatchString(line) || strings.HasPrefix(line, "|") || strings.HasPrefix(line, "- ")
}

// list is a run of "- " items; an indented line continues its item.
func (r *renderer) list(lines []string, i int) int {
	r.b.WriteString("<ul>\n")
	for i < len(lines) && strings.HasPrefix(lines[i], "- ") {
		item := []string{strings.TrimPrefix(lines[i], "- ")}
		for i++; i < len(lines) && strings.HasPrefix(lines[i], "  ") && strings.TrimSpace(lines[i]) != ""; i++ {
			item = append(item, strings.TrimSpace(lines[i]))
		}
		r.b.WriteString("<li>" + inline(strings.Join(item, " ")) + "</li>\n")
	}
	r.b.WriteString("</ul>\n")
	return i
}

var separatorRow = regexp.MustCompile(`^\|[\s:|-]+\|$`)

// table is a header row, a separator row and body rows.
func (r *renderer) table(lines []string, i int) int {
	r.b.WriteString("<table>\n")
	first := true
	for ; i < len(lines) && strings.HasPrefix(lines[i], "|"); i++ {
		if separatorRow.MatchString(strings.TrimSpace(lines[i])) {
			continue
		}
		cells := splitRow(lines[i])
		tag := "td"
		if first {
			tag = "th"
		}
		id := ""
		if !first && len(cells) > 0 {
			if code, ok := leadingCode(cells[0]); ok {
				id = r.id(code)
			}
		}
		r.b.WriteString("<tr" + idAttr(id) + ">")
		for _, c := range cells {
			r.b.WriteString("<" + tag + ">" + inline(c) + "</" + tag + ">")
		}
		r.b.WriteString("</tr>\n")
		first = false
	}
	r.b.WriteString("</table>\n")
	return i
}

// splitRow splits "| a | b |" at the pipes that are not escaped (\|).
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
		case line[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(line[i])
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

func leadingCode(cell string) (string, bool) {
	if !strings.HasPrefix(cell, "`") {
		return "", false
	}
	code, _, ok := strings.Cut(cell[1:], "`")
	return code, ok && code != ""
}

var inlineRE = regexp.MustCompile("`([^`]+)`|\\[([^\\]]+)\\]\\(([^)\\s]+)\\)|\\*\\*([^*]+)\\*\\*")

// inline escapes text, with code spans, links and bold.
func inline(text string) string {
	var b strings.Builder
	last := 0
	for _, m := range inlineRE.FindAllStringSubmatchIndex(text, -1) {
		b.WriteString(html.EscapeString(text[last:m[0]]))
		switch {
		case m[2] >= 0:
			b.WriteString("<code>" + html.EscapeString(text[m[2]:m[3]]) + "</code>")
		case m[4] >= 0:
			label, href := text[m[4]:m[5]], text[m[6]:m[7]]
			if safeURL(href) {
				b.WriteString(`<a href="` + html.EscapeString(href) + `">` + inline(label) + "</a>")
			} else {
				b.WriteString(inline(label))
			}
		default:
			b.WriteString("<strong>" + html.EscapeString(text[m[8]:m[9]]) + "</strong>")
		}
		last = m[1]
	}
	b.WriteString(html.EscapeString(text[last:]))
	return b.String()
}

// safeURL accepts fragments, relative references and http(s) URLs: never
// a javascript: or data: one.
func safeURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "" || u.Scheme == "http" || u.Scheme == "https")
}
