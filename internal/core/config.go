package core

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultMethodLimit is the number of distinct method names a recorder
// records before it folds further names into the catch-all series.
const DefaultMethodLimit = 1000

// MaxMethodNameLength is the longest full method name, in bytes, that gets
// series of its own.
const MaxMethodNameLength = 256

// MaxLabelValueLength is the longest value, in bytes, an extra label keeps.
const MaxLabelValueLength = 128

// DefaultLabelValueLimit is the number of distinct values each extra label
// records before further values fold into OverflowLabelValue.
const DefaultLabelValueLimit = 100

// OverflowLabelValue stands for every value of an extra label past its
// limit of distinct values.
const OverflowLabelValue = "__overflow__"

// DefaultSizeBuckets are the default buckets of the message size
// histograms: powers of 4 from 64 B to 64 MiB.
var DefaultSizeBuckets = prometheus.ExponentialBuckets(64, 4, 11)

// Config is what a front end's options resolve to.
type Config struct {
	Side        Side
	Namespace   string
	Subsystem   string
	ConstLabels prometheus.Labels
	Legacy      bool
	// Values is the spelling of grpc_type and code values; legacy mode
	// implies JavaValues.
	Values Values
	// MethodLimit and LabelValueLimit apply when their Given flag is
	// set; otherwise the defaults do.
	MethodLimit      int
	MethodLimitGiven bool
	// Enabled turns on metrics whose row names an option; Disabled turns
	// off any row, for front ends that reproduce a peer's exact series.
	Enabled  [NumMetrics]bool
	Disabled [NumMetrics]bool
	Hist     [NumMetrics]HistogramConfig
	// CodeOnHistograms adds the code label to the rows with CodeOption.
	CodeOnHistograms     bool
	Extra                []ExtraLabel
	LabelValueLimit      int
	LabelValueLimitGiven bool
	Exemplar             func(context.Context) prometheus.Labels
	// Family selects the rows the recorder builds.
	Family Family
	// Filters tell whether a method is recorded at all; all must agree.
	Filters []func(fullMethod string) bool
	// AttemptMetrics asks front ends for a second recorder of the Attempts
	// family beside the calls.
	AttemptMetrics bool
}

// HistogramConfig is what may be configured of one histogram: everything but its
// name, help and variable labels, which come from the table.
type HistogramConfig struct {
	// Option names the option that set this, for error messages.
	Option string
	// Namespace and Subsystem, when set, replace the collector's.
	Namespace, Subsystem string
	// ConstLabels are added to the collector's.
	ConstLabels prometheus.Labels
	// Buckets, when not nil, replace the defaults.
	Buckets []float64

	NativeHistogramBucketFactor     float64
	NativeHistogramZeroThreshold    float64
	NativeHistogramMaxBucketNumber  uint32
	NativeHistogramMinResetDuration time.Duration
	NativeHistogramMaxZeroThreshold float64
	NativeHistogramMaxExemplars     int
	NativeHistogramExemplarTTL      time.Duration
}

// ExtraLabel is a label beyond type, service and method, whose value each
// RPC supplies: from a key the front end looks up (metadata, headers), or
// from a function of the context.
type ExtraLabel struct {
	Name string
	// Option names the option that declared the label.
	Option string
	// Key is looked up in the front end's LabelSource.
	Key string
	// FromContext, when set, computes the value instead.
	FromContext func(context.Context) string
}

// ConfigError is a configuration mistake; front ends panic with it.
type ConfigError struct {
	Option string
	Msg    string
}

func (e *ConfigError) Error() string { return e.Option + ": " + e.Msg }

func errorf(option, format string, args ...any) *ConfigError {
	return &ConfigError{Option: option, Msg: fmt.Sprintf(format, args...)}
}

// ReservedLabels are the label names grpcprom sets itself.
var ReservedLabels = []string{"grpc_type", "grpc_service", "grpc_method", "grpc_code", "code"}

// validate checks the configuration, fills in defaults, and returns the
// first mistake, naming its option.
func (c *Config) validate() error {
	if !c.MethodLimitGiven {
		c.MethodLimit = DefaultMethodLimit
	}
	if c.MethodLimit < 1 {
		return errorf("WithMethodLimit", "the limit must be at least 1, not %d", c.MethodLimit)
	}
	if !c.LabelValueLimitGiven {
		c.LabelValueLimit = DefaultLabelValueLimit
	}
	if c.LabelValueLimit < 1 {
		return errorf("WithLabelValueLimit", "the limit must be at least 1, not %d", c.LabelValueLimit)
	}
	if c.Legacy {
		c.Values = JavaValues
	}
	if err := checkConstLabels("WithConstLabels", c.ConstLabels); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, name := range ReservedLabels {
		seen[name] = true
	}
	for name := range c.ConstLabels {
		seen[name] = true
	}
	for _, l := range c.Extra {
		if !ValidLabelName(l.Name) {
			return errorf(l.Option, "%q is not a valid label name", l.Name)
		}
		if l.Key == "" && l.FromContext == nil {
			return errorf(l.Option, "the value function is nil")
		}
		if seen[l.Name] {
			return errorf(l.Option, "label %q is defined twice, is a const label, or is set by grpcprom itself", l.Name)
		}
		seen[l.Name] = true
	}
	for _, f := range c.Filters {
		if f == nil {
			return errorf("WithMethodFilter", "the filter function is nil")
		}
	}
	for id := range c.Hist {
		h := &c.Hist[id]
		if err := checkBuckets(h.Option, h.Buckets); err != nil {
			return err
		}
		if err := checkConstLabels(h.Option, h.ConstLabels); err != nil {
			return err
		}
		for name := range h.ConstLabels {
			if _, dup := c.ConstLabels[name]; dup {
				return errorf(h.Option, "const label %q is also given to WithConstLabels", name)
			}
		}
	}
	return nil
}

func checkBuckets(option string, b []float64) error {
	for i := 1; i < len(b); i++ {
		if b[i] <= b[i-1] {
			return errorf(option, "bucket %d (%g) is not greater than bucket %d (%g)", i, b[i], i-1, b[i-1])
		}
	}
	return nil
}

func checkConstLabels(option string, l prometheus.Labels) error {
	for name := range l {
		if !ValidLabelName(name) {
			return errorf(option, "%q is not a valid label name", name)
		}
		if slices.Contains(ReservedLabels, name) {
			return errorf(option, "label %q is set by grpcprom itself", name)
		}
	}
	return nil
}

// ValidLabelName reports whether name matches [a-zA-Z_][a-zA-Z0-9_]* and
// does not start with the reserved "__".
func ValidLabelName(name string) bool {
	if name == "" || strings.HasPrefix(name, "__") {
		return false
	}
	for i, c := range name {
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// mergeLabels returns a's labels with b's added; nil when both are empty.
func mergeLabels(a, b prometheus.Labels) prometheus.Labels {
	if len(a)+len(b) == 0 {
		return nil
	}
	out := make(prometheus.Labels, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
