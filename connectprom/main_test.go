package connectprom_test

import (
	"testing"

	"github.com/seed-db7adb15/grpcprom/internal/testkit"
)

// TestMain fails the run when goroutines outlive the tests.
func TestMain(m *testing.M) { testkit.Main(m) }
