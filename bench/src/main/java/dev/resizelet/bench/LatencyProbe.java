package dev.resizelet.bench;

import dev.resizelet.core.NodeAgent;
import dev.resizelet.core.api.PodEvent;
import dev.resizelet.core.model.Pod;
import dev.resizelet.cri.CriClientOptions;
import dev.resizelet.cri.GrpcRuntimeClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where one resize's time goes on an idle agent: sends resizes one at a time (the next only once the last is
 * status-visible) and prints the p50/p90 of each step from the request: the API's answer (spec durable), the
 * decision visible in status, the first and last UpdateContainerResources the runtime saw, and the status showing
 * the runtime's values. {@code java -cp bench/target/bench.jar dev.resizelet.bench.LatencyProbe [resizes] [--in-process]}
 */
public final class LatencyProbe {
    private LatencyProbe() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        boolean inProcess = Arrays.asList(args).contains("--in-process");
        SimNode node = inProcess ? FakeNode.start(false) : ChildFakeNode.start(false, "512m");
        GrpcRuntimeClient client = GrpcRuntimeClient.connect(node.endpoint(),
                CriClientOptions.defaults().withRequestTimeout(Duration.ofSeconds(30)));
        java.util.Map<String, List<Long>> callNanos = new java.util.concurrent.ConcurrentHashMap<>();
        dev.resizelet.cri.CriRuntime timed = (dev.resizelet.cri.CriRuntime) java.lang.reflect.Proxy.newProxyInstance(
                LatencyProbe.class.getClassLoader(), new Class<?>[] {dev.resizelet.cri.CriRuntime.class},
                (proxy, m, a) -> {
                    long s0 = System.nanoTime();
                    try {
                        return m.invoke(client, a);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    } finally {
                        callNanos.computeIfAbsent(m.getName(), k -> java.util.Collections.synchronizedList(
                                new ArrayList<>())).add(System.nanoTime() - s0);
                    }
                });
        NodeAgent agent = AgentAdapter.build(timed, node.cgroups(), node.stateDir(), 64_000, 256L << 30, 110,
                Duration.ofSeconds(1));
        List<ContainerShape> small = List.of(new ContainerShape(100, 200, 64 << 20, 128 << 20),
                new ContainerShape(100, 200, 64 << 20, 128 << 20));
        String name = "probe";
        Pod pod = AgentAdapter.pod(name, UUID.nameUUIDFromBytes(name.getBytes()).toString(), "docker.io/resizelet/busybox:1",
                small);
        agent.create(pod);
        AtomicLong decided = new AtomicLong();
        AtomicLong visible = new AtomicLong();
        AtomicLong firstUpdate = new AtomicLong();
        AtomicLong lastUpdate = new AtomicLong();
        List<ContainerShape>[] target = new List[1];
        node.streamUpdates(true, (t, id, shares, quota, mem) -> {
            firstUpdate.compareAndSet(0, t);
            lastUpdate.set(t);
        });
        agent.watch(AgentAdapter.NAMESPACE, 0, (PodEvent e) -> {
            if (e.type() == PodEvent.Type.DELETED || target[0] == null) {
                return;
            }
            AgentAdapter.Observed ob = AgentAdapter.observe(e.pod());
            long now = System.nanoTime();
            if (ob.showsAllocated(target[0])) {
                decided.compareAndSet(0, now);
            }
            if (ob.showsActual(target[0]) && visible.compareAndSet(0, now)) {
                synchronized (visible) {
                    visible.notifyAll();
                }
            }
        });
        awaitRunning(agent, name);
        long[][] t = new long[5][n];
        for (int i = 0; i < n; i++) {
            long cpu = 100 + (i % 2 == 0 ? 50 : 0) + i % 7;
            List<ContainerShape> next = List.of(new ContainerShape(cpu, 2 * cpu, 64 << 20, 128 << 20),
                    new ContainerShape(cpu, 2 * cpu, 64 << 20, 128 << 20));
            Pod spec = agent.get(AgentAdapter.NAMESPACE, name).orElseThrow().spec();
            decided.set(0);
            visible.set(0);
            firstUpdate.set(0);
            lastUpdate.set(0);
            target[0] = next;
            long start = System.nanoTime();
            AgentAdapter.update(agent, AgentAdapter.resized(spec, next));
            long acked = System.nanoTime();
            // waits on the watch's signal: a spinning waiter took one of the machine's two cores from the agent
            long deadline = start + Duration.ofSeconds(10).toNanos();
            synchronized (visible) {
                for (long left = deadline - System.nanoTime(); visible.get() == 0 && left > 0;
                        left = deadline - System.nanoTime()) {
                    TimeUnit.NANOSECONDS.timedWait(visible, left);
                }
            }
            t[0][i] = acked - start;
            t[1][i] = decided.get() - start;
            t[2][i] = firstUpdate.get() - start;
            t[3][i] = lastUpdate.get() - start;
            t[4][i] = visible.get() - start;
        }
        String[] names = {"API answer (spec durable)", "decision visible", "first Update seen by the runtime",
            "last Update seen by the runtime", "status shows the runtime's values"};
        for (int k = 0; k < names.length; k++) {
            long[] v = t[k].clone();
            Arrays.sort(v);
            System.out.printf("%-36s p50 %7.2f ms   p90 %7.2f ms   max %7.2f ms%n", names[k], v[n / 2] / 1e6,
                    v[n * 9 / 10] / 1e6, v[n - 1] / 1e6);
        }
        String id = AgentAdapter.observe(agent.get(AgentAdapter.NAMESPACE, name).orElseThrow()).containerIds()[0];
        for (long gapMicros : new long[] {0, 500, 2000}) {
            long[] u = new long[300];
            for (int i = 0; i < u.length; i++) {
                if (gapMicros > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(gapMicros * 1000);
                }
                long s0 = System.nanoTime();
                client.updateContainerResources(id, dev.resizelet.cri.v1.LinuxContainerResources.newBuilder()
                        .setCpuShares(102 + i % 2).setCpuQuota(20_000).setCpuPeriod(100_000)
                        .setMemoryLimitInBytes(128 << 20).build());
                u[i] = System.nanoTime() - s0;
            }
            Arrays.sort(u);
            System.out.printf("bare Update, %5d us apart              p50 %7.2f ms   p90 %7.2f ms%n", gapMicros,
                    u[150] / 1e6, u[270] / 1e6);
        }
        callNanos.forEach((rpc, list) -> {
            long[] v = list.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("CRI %-28s n=%5d p50 %7.2f ms   p90 %7.2f ms%n", rpc, v.length, v[v.length / 2] / 1e6,
                    v[v.length * 9 / 10] / 1e6);
        });
        agent.close();
        client.close();
        node.close();
        System.exit(0);
    }

    private static void awaitRunning(NodeAgent agent, String name) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            var v = agent.get(AgentAdapter.NAMESPACE, name);
            if (v.isPresent() && AgentAdapter.observe(v.get()).running()) {
                return;
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("the probe pod did not start");
    }
}
