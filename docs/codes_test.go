package docs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// emitted is what the code can put on the wire, found by reading it.
type emitted struct {
	// types are the Stytch error_type values of the management API, with
	// the HTTP statuses each is sent with (0: not known statically).
	types map[string]map[int]bool
	// oauth are the OAuth error codes (package oidc's ErrorCode values).
	oauth map[string]bool
	// bank are the codes a failed bank verification reports.
	bank map[string]bool
	// dynamic are the functions that pass a computed value where the
	// shapes below take an error type ("pkg.Func"): their values cannot be
	// read here, so TestErrorsDocumented lists them by hand.
	dynamic map[string]bool
	// where says where a code was found, for failure messages.
	where map[string]string
}

// scanCode reads every non-test Go file of the module under root and
// collects the error codes it emits. It knows the shapes the code uses to
// make them; a new shape (a helper that takes an error type) belongs here,
// and sanity in TestErrorsDocumented notices when one stops matching:
//
//   - api.Errorf(status, "type", ...), api.BadRequest("type", ...) and
//     api.Error{Status: ..., Type: "type"} (unqualified inside package api);
//   - package orgs' refuse(kind, "type", ...), invalid("type", ...), and
//     the code column of its settings table (a struct field named code);
//   - package memberauth's refuse(status, "type", ...) and invalid("type", ...);
//   - package authorize's clientError{"type", ...}, which the consent API
//     sends as error_type;
//   - package oidc's ErrorCode constants;
//   - package apps' badMetadata("field", ...), which sends
//     "invalid_" + field;
//   - package banks' f.fail(w, r, v, status, "code", ...) and the codes
//     bankFailure returns.
func scanCode(t *testing.T, root string) emitted {
	t.Helper()
	e := emitted{types: map[string]map[int]bool{}, oauth: map[string]bool{}, bank: map[string]bool{},
		dynamic: map[string]bool{}, where: map[string]string{}}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "testdata", "node_modules", ".git", "e2e", "browser", "examples", "bench":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		pkg := filepath.ToSlash(filepath.Dir(rel))
		e.scanFile(fset, f, pkg)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *emitted) addType(typ string, status int, at string) {
	if e.types[typ] == nil {
		e.types[typ] = map[int]bool{}
	}
	e.types[typ][status] = true
	e.where[typ] = at
}

func (e *emitted) scanFile(fset *token.FileSet, f *ast.File, pkg string) {
	for _, d := range f.Decls {
		fn := ""
		if fd, ok := d.(*ast.FuncDecl); ok {
			fn = fd.Name.Name
		}
		e.scanDecl(fset, d, pkg, fn)
	}
}

func (e *emitted) scanDecl(fset *token.FileSet, decl ast.Decl, pkg, fn string) {
	pos := func(n ast.Node) string { return fset.Position(n.Pos()).String() }
	// typeArg records the error type in x, or x's function as dynamic.
	typeArg := func(x ast.Expr, status int) {
		if s, ok := stringLit(x); ok {
			e.addType(s, status, pos(x))
		} else {
			e.dynamic[pkg+"."+fn] = true
		}
	}
	// inAPI: the package whose Errorf, BadRequest and Error are meant
	// when unqualified.
	inAPI := pkg == "internal/api"
	apiName := func(x ast.Expr, name string) bool {
		switch x := x.(type) {
		case *ast.SelectorExpr:
			id, ok := x.X.(*ast.Ident)
			return ok && id.Name == "api" && x.Sel.Name == name
		case *ast.Ident:
			return inAPI && x.Name == name
		}
		return false
	}
	ast.Inspect(decl, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			switch {
			case apiName(n.Fun, "Errorf") && len(n.Args) >= 2:
				typeArg(n.Args[1], statusOf(n.Args[0]))
			case apiName(n.Fun, "BadRequest") && len(n.Args) >= 1:
				typeArg(n.Args[0], http.StatusBadRequest)
			case pkg == "internal/orgs" && isIdent(n.Fun, "refuse") && len(n.Args) >= 2:
				typeArg(n.Args[1], orgsStatus[identName(n.Args[0])])
			case pkg == "internal/memberauth" && isIdent(n.Fun, "refuse") && len(n.Args) >= 2:
				typeArg(n.Args[1], statusOf(n.Args[0]))
			case (pkg == "internal/orgs" || pkg == "internal/users" || pkg == "internal/memberauth") &&
				isIdent(n.Fun, "invalid") && len(n.Args) >= 1:
				typeArg(n.Args[0], http.StatusBadRequest)
			case pkg == "internal/apps" && isIdent(n.Fun, "badMetadata") && len(n.Args) >= 1:
				if s, ok := stringLit(n.Args[0]); ok {
					e.addType("invalid_"+s, http.StatusBadRequest, pos(n))
				} else {
					e.dynamic[pkg+"."+fn] = true
				}
			case pkg == "internal/banks" && isMethod(n.Fun, "fail") && len(n.Args) == 6:
				if s, ok := stringLit(n.Args[4]); ok {
					e.bank[s] = true
					e.where["bank:"+s] = pos(n)
				}
			}
		case *ast.CompositeLit:
			switch {
			case apiName(n.Type, "Error") || isStar(n.Type, "Error") && inAPI:
				var typ string
				status := 0
				for _, el := range n.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					switch identName(kv.Key) {
					case "Type":
						typ, _ = stringLit(kv.Value)
					case "Status":
						status = statusOf(kv.Value)
					}
				}
				if typ != "" {
					e.addType(typ, status, pos(n))
				}
			case pkg == "internal/authorize" && isIdent(n.Type, "clientError") && len(n.Elts) >= 1:
				typ := n.Elts[0]
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok && identName(kv.Key) == "Type" {
						typ = kv.Value
					}
				}
				typeArg(typ, http.StatusBadRequest)
			case pkg == "internal/orgs":
				// The settings table: []struct{...; code string; ...}{...}.
				arr, ok := n.Type.(*ast.ArrayType)
				if !ok {
					return true
				}
				st, ok := arr.Elt.(*ast.StructType)
				if !ok {
					return true
				}
				idx, i := -1, 0
				for _, fl := range st.Fields.List {
					for _, name := range fl.Names {
						if name.Name == "code" {
							idx = i
						}
						i++
					}
				}
				for _, el := range n.Elts {
					if row, ok := el.(*ast.CompositeLit); ok && idx >= 0 && idx < len(row.Elts) {
						if s, ok := stringLit(row.Elts[idx]); ok {
							e.addType(s, http.StatusBadRequest, pos(row))
						}
					}
				}
			}
		case *ast.GenDecl:
			if pkg != "oidc" || n.Tok != token.CONST {
				return true
			}
			for _, spec := range n.Specs {
				vs := spec.(*ast.ValueSpec)
				if !isIdent(vs.Type, "ErrorCode") {
					continue
				}
				for _, v := range vs.Values {
					if s, ok := stringLit(v); ok {
						e.oauth[s] = true
						e.where["oauth:"+s] = pos(v)
					}
				}
			}
		case *ast.FuncDecl:
			// The bank flow's failure codes: what bankFailure and
			// accountFailure return first.
			if pkg != "internal/banks" || fn != "bankFailure" && fn != "accountFailure" || n.Body == nil {
				return true
			}
			ast.Inspect(n.Body, func(m ast.Node) bool {
				if ret, ok := m.(*ast.ReturnStmt); ok && len(ret.Results) > 0 {
					if s, ok := stringLit(ret.Results[0]); ok && s != "" { // "": not a failure of this kind
						e.bank[s] = true
						e.where["bank:"+s] = pos(ret)
					}
				}
				return true
			})
		}
		return true
	})
}

// orgsStatus is the status of each orgs.Kind (orgs.APIError).
var orgsStatus = map[string]int{
	"Invalid":  http.StatusBadRequest,
	"NotFound": http.StatusNotFound,
	"Conflict": http.StatusBadRequest,
	"Refused":  http.StatusForbidden,
}

func stringLit(x ast.Expr) (string, bool) {
	lit, ok := x.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

func isIdent(x ast.Expr, name string) bool { return identName(x) == name }

func identName(x ast.Expr) string {
	if id, ok := x.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

func isStar(x ast.Expr, name string) bool {
	if s, ok := x.(*ast.StarExpr); ok {
		return isIdent(s.X, name)
	}
	return false
}

func isMethod(x ast.Expr, name string) bool {
	sel, ok := x.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == name
}

// statusOf reads http.StatusXxx (0 when it is not such a constant).
func statusOf(x ast.Expr) int {
	sel, ok := x.(*ast.SelectorExpr)
	if !ok || identName(sel.X) != "http" || !strings.HasPrefix(sel.Sel.Name, "Status") {
		return 0
	}
	want := strings.TrimPrefix(sel.Sel.Name, "Status")
	for code := 100; code < 600; code++ {
		text := strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return r
			}
			return -1
		}, http.StatusText(code))
		if text != "" && text == want {
			return code
		}
	}
	return 0
}
