# Pushprom in a container: built from source in a Maven + JDK 17 stage, run on a JRE 17 image as
# a non-root user.
#
#   docker build -t pushprom .
#   docker run -d --name pushprom -p 9091:9091 -p 9090:9090/udp --memory 512m --stop-timeout 30 \
#     -v pushprom-state:/var/lib/pushprom pushprom
#
# Flags go after the image name and replace the default CMD (keep -state-file to keep the state):
#   docker run ... pushprom -series-ttl 1h -state-file /var/lib/pushprom/state.json
# JVM options go in JAVA_TOOL_OPTIONS (docker run -e JAVA_TOOL_OPTIONS="..."), which replaces the
# default below; keep -XX:+ExitOnOutOfMemoryError in it.
#
# No Docker engine runs in this project's CI: .ci/deploy-check checks this file as text.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:17-jre
# A fixed numeric UID, so that Kubernetes' runAsNonRoot can check it without a user name.
RUN groupadd --system --gid 10001 pushprom \
 && useradd --system --uid 10001 --gid pushprom --home-dir /var/lib/pushprom --no-create-home \
      --shell /usr/sbin/nologin pushprom \
 && mkdir -p /opt/pushprom /var/lib/pushprom \
 && chown pushprom:pushprom /var/lib/pushprom
COPY --from=build /src/pushprom-cli/target/pushprom.jar /opt/pushprom/pushprom.jar

# The options measured in docs/footprint.md: the serial collector, a small initial heap and little
# free heap kept after a collection keep the resident memory low; the heap follows the container's
# memory limit (MaxRAMPercentage of it), which -Xmx would not: 512 MiB give a 256 MiB heap, which
# holds 253,440 series (-max-series auto). -XX:+ExitOnOutOfMemoryError makes an out-of-memory JVM
# exit (code 3) so that the container's restart policy starts it again.
ENV JAVA_TOOL_OPTIONS="-XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC -Xms32m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:MaxRAMPercentage=50 -Xss256k -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=32m"

USER 10001:10001
WORKDIR /var/lib/pushprom
# With -state-file the series survive a restart of the container (each container its own file).
VOLUME ["/var/lib/pushprom"]
EXPOSE 9091 9090/udp

# The JRE image has bash but neither curl nor wget is promised: bash's /dev/tcp opens the
# connection, and the check passes on "200" from /-/ready (503 while draining after SIGTERM).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9091 && printf 'GET /-/ready HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r -t 2 _ status _ <&3 && [[ $status == 200 ]]"]

# SIGTERM (docker stop) lets Pushprom finish requests in flight, wait up to -shutdown-grace (15 s)
# for one more scrape and write the state file: give docker stop more than that (--stop-timeout 30).
STOPSIGNAL SIGTERM
ENTRYPOINT ["java", "-jar", "/opt/pushprom/pushprom.jar"]
CMD ["-http-listen-address", ":9091", "-udp-listen-address", ":9090", "-state-file", "/var/lib/pushprom/state.json"]
