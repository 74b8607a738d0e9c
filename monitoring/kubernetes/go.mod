module github.com/seed-db7adb15/grpcprom/monitoring/kubernetes

go 1.26.0

require go.yaml.in/yaml/v3 v3.0.6
