// Package bench compares connectprom with an uninstrumented connect-go
// handler and with otelconnect exporting through the OpenTelemetry
// Prometheus exporter. It is a module of its own so that connectprom
// never depends on OpenTelemetry.
package bench
