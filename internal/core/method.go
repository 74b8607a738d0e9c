package core

import (
	"strings"
	"unicode/utf8"
)

// SplitMethod splits "/package.Service/Method" into its service and
// method. It reports false for a name that must not get series of its own:
// one that is malformed, too long or not valid UTF-8.
func SplitMethod(fullMethod string) (service, method string, ok bool) {
	if len(fullMethod) > MaxMethodNameLength || !utf8.ValidString(fullMethod) {
		return UnknownName, UnknownName, false
	}
	rest, found := strings.CutPrefix(fullMethod, "/")
	if !found {
		return UnknownName, UnknownName, false
	}
	service, method, found = strings.Cut(rest, "/")
	if !found || service == "" || method == "" || strings.IndexByte(method, '/') >= 0 {
		return UnknownName, UnknownName, false
	}
	return service, method, true
}
