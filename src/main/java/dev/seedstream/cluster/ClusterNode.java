package dev.seedstream.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.RingbufferConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.spi.merge.PutIfAbsentMergePolicy;
import dev.seedstream.config.ClusterSettings;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * This gateway as one member of a cluster: Vert.x in clustered mode on Hazelcast, joined over TCP to the
 * configured members. Membership, failure detection, replication and split-brain merging are Hazelcast's; this
 * class only configures them and tells the gateway when a member leaves or a split heals.
 */
public final class ClusterNode {

  private static final Logger LOG = Logger.getLogger(ClusterNode.class.getName());

  /**
   * A job's log holds at most this many entries, a frame and its commit mark per event: started, 15 images,
   * 15 failures and the end fit many times over.
   */
  static final int LOG_CAPACITY = 512;
  static final String LOGS = "seedstream-log-";
  static final String RECORDS = "seedstream-jobs";
  static final String IMAGES = "seedstream-images";
  static final String CLIENTS = "seedstream-clients";
  static final String IDEMPOTENCY = "seedstream-idempotency";

  private final Vertx vertx;
  private final HazelcastClusterManager manager;
  private final List<Consumer<String>> onMemberLost = new CopyOnWriteArrayList<>();
  private final List<Runnable> onMerging = new CopyOnWriteArrayList<>();
  private volatile int largestSeen;

  private ClusterNode(Vertx vertx, HazelcastClusterManager manager) {
    this.vertx = vertx;
    this.manager = manager;
  }

  /**
   * Starts Vert.x clustered. {@code keepSeconds}: how long a job's records outlive it at most (its longest run
   * plus the retention), after which Hazelcast drops them even if no node is left to do it.
   */
  public static Future<ClusterNode> start(ClusterSettings settings, VertxOptions options, long keepSeconds) {
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcastConfig(settings, keepSeconds));
    options.setEventBusOptions(new EventBusOptions().setHost(settings.host()).setClusterPublicHost(settings.host()).setPort(0));
    return Vertx.builder().with(options).withClusterManager(manager).buildClustered().map(vertx -> {
      ClusterNode node = new ClusterNode(vertx, manager);
      node.watchMembership();
      LOG.info("cluster: joined as " + node.nodeId() + " at " + settings.host() + ":" + settings.port() + " with "
        + node.members() + " member(s)");
      return node;
    });
  }

  static Config hazelcastConfig(ClusterSettings settings, long keepSeconds) {
    Config config = ConfigUtil.loadConfig();
    // Members of other clusters (another secret) are refused at the join: the name is derived from the secret.
    config.setClusterName("seedstream-" + fingerprint(settings.secret()));
    config.setInstanceName("seedstream-" + settings.host() + "-" + settings.port());
    // The gateway's own SIGTERM drain must run while the member is still in the cluster: it leaves last.
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.logging.type", "jdk");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    // A member that stops answering is declared gone after 5 s (Hazelcast's default is a minute); a killed process
    // closes its connections and is noticed sooner.
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    // After a split, the halves look for each other every 5 s, not after Hazelcast's 5 minutes.
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
    config.setProperty("hazelcast.socket.bind.any", "false");
    // A leaving member hands its partitions over first; the process's shutdown gives that 10 s at most.
    config.setProperty("hazelcast.graceful.shutdown.max.wait", "8");
    // Members listed but not up yet are not waited for long: a node starts alone and the others join it.
    config.setProperty("hazelcast.wait.seconds.before.join", "1");
    config.getNetworkConfig().setPort(settings.port()).setPortAutoIncrement(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).setInterfaces(List.of(settings.host()));
    config.getNetworkConfig().setPublicAddress(settings.host() + ":" + settings.port());
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    List<String> members = settings.members().isEmpty() ? List.of(settings.host() + ":" + settings.port()) : settings.members();
    join.getTcpIpConfig().setEnabled(true).setMembers(members);

    // Every write is on one other member before it returns (a synchronous backup), so one member may die at any time.
    // After a split, the side that is merged into keeps its entries: a job has one log, never a mix of two.
    MergePolicyConfig receiverWins = new MergePolicyConfig(PutIfAbsentMergePolicy.class.getName(), 100);
    config.addRingBufferConfig(new RingbufferConfig(LOGS + "*").setCapacity(LOG_CAPACITY).setBackupCount(1)
      .setAsyncBackupCount(0).setTimeToLiveSeconds((int) Math.min(Integer.MAX_VALUE, keepSeconds))
      .setInMemoryFormat(InMemoryFormat.BINARY).setMergePolicyConfig(receiverWins));
    for (String map : List.of(RECORDS, IMAGES, CLIENTS, IDEMPOTENCY)) {
      config.addMapConfig(new MapConfig(map).setBackupCount(1).setAsyncBackupCount(0)
        .setInMemoryFormat(InMemoryFormat.BINARY).setMergePolicyConfig(receiverWins));
    }
    return config;
  }

  /** The first 16 hex digits of SHA-256 over the secret: enough to tell clusters apart, nothing to recover it from. */
  private static String fingerprint(String secret) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(("seedstream cluster\n" + secret).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private void watchMembership() {
    largestSeen = members();
    hazelcast().getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        largestSeen = Math.max(largestSeen, event.getMembers().size());
        LOG.info("cluster: member joined, " + event.getMembers().size() + " now");
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        String lost = event.getMember().getUuid().toString();
        LOG.warning("cluster: member " + lost + " left or was lost, " + event.getMembers().size() + " left");
        onMemberLost.forEach(handler -> handler.accept(lost));
      }
    });
    hazelcast().getLifecycleService().addLifecycleListener(event -> {
      if (event.getState() == LifecycleEvent.LifecycleState.MERGING) {
        LOG.warning("cluster: a split is healing; this member's side merges into the other, whose records win");
        onMerging.forEach(Runnable::run);
      } else if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
        LOG.warning("cluster: a split healed; this member merged back in");
      }
    });
  }

  public Vertx vertx() {
    return vertx;
  }

  HazelcastInstance hazelcast() {
    return manager.getHazelcastInstance();
  }

  /**
   * This member's id: the owner field of the jobs it runs, and what a lost member is known by. Hazelcast's member
   * id, which Vert.x's own node id is not.
   */
  public String nodeId() {
    return hazelcast().getCluster().getLocalMember().getUuid().toString();
  }

  public int members() {
    return hazelcast().getCluster().getMembers().size();
  }

  /**
   * Whether this member sees fewer than half the members it has seen at once: the far side of a split, where a
   * job's events could no longer be kept on another member. With two members, one alone is not a minority:
   * otherwise a node of a pair could never outlive the other.
   */
  public boolean inMinority() {
    return members() * 2 < largestSeen;
  }

  /**
   * A Hazelcast operation's result on the calling Vert.x context: Hazelcast completes on its own threads, and the
   * gateway's state is touched on its event loop only.
   */
  static <T> Future<T> onCaller(CompletionStage<T> stage) {
    Context context = Vertx.currentContext();
    return context == null ? Future.fromCompletionStage(stage) : Future.fromCompletionStage(stage, context);
  }

  /** {@code handler} gets each lost member's id, on a Hazelcast thread. */
  public void onMemberLost(Consumer<String> handler) {
    onMemberLost.add(handler);
  }

  /**
   * {@code handler} runs, on a Hazelcast thread, when a split heals and this member's side is the one merged
   * into the other: what it wrote while apart gives way to the other side's records.
   */
  public void onMerging(Runnable handler) {
    onMerging.add(handler);
  }
}
