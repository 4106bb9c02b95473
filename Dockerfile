# Signet in a container: a static binary (no cgo: SQLite is pure Go) on an
# empty base, run as a non-root user.
#
#   docker build -t signet .
#   docker run -e SIGNET_MASTER_KEY=... -e SIGNET_DB=postgres://... -p 8080:8080 signet
#
# compose.yaml runs it on PostgreSQL. The version is stamped as
# scripts/release.sh stamps it: --build-arg VERSION=v1.2.3 --build-arg REVISION=$(git rev-parse HEAD).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=""
ARG REVISION=""
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION} -X main.revision=${REVISION}" \
      -o /out/signet ./cmd/signet \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/signet /usr/local/bin/signet
# A SQLite database (the default when SIGNET_DB is unset) lives in the
# volume; with PostgreSQL nothing is written to disk.
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
USER 65532:65532
ENV SIGNET_ADDR=0.0.0.0:8080 \
    SIGNET_DB=sqlite:/data/signet.db
EXPOSE 8080
VOLUME ["/data"]
# No curl in the image: the binary asks its own /readyz.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/signet", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/signet"]
CMD ["serve"]
