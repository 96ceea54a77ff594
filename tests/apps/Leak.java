/* Leak: a Java test workload that leaks into a cache at a given rate, for the
 * tests of HotSpot attach (class histogram, heap dump) from another container.
 *
 *   java -Xmx256m -cp DIR Leak [MIB_PER_S [MAX_MIB]]     (defaults: 8, 100)
 *
 * The leaked objects are LeakyCache$Entry instances, each holding a 1 KiB
 * byte[], so a class histogram names the leak: "[B" first by bytes and
 * LeakyCache$Entry among the top rows. Once MAX_MIB is held it keeps it and
 * runs on until killed.
 *
 * Lines on stdout (flushed at once, so a test can wait for them):
 *   leak: started pid=N               at start (N: the pid in its own namespace)
 *   leak: held_mib=M                  each time another 16 MiB is held
 *   leak: held_mib=M done             once MAX_MIB is held
 *   leak: max_gap_ms=G                every second: the longest time a 1 ms
 *                                     sleep took in that second. A safepoint
 *                                     (a heap dump, a histogram, a GC) stops
 *                                     this thread too, so G shows the pause.
 */
import java.util.ArrayList;
import java.util.List;

/* The leak. A top-level class, so that the histogram shows "LeakyCache$Entry". */
final class LeakyCache {
	static final class Entry {
		final long key;
		final byte[] payload;

		Entry(long key, int size)
		{
			this.key = key;
			/* Zeroed by the JVM as it allocates: the memory is really used. */
			this.payload = new byte[size];
		}
	}

	/* Never cleared. */
	private final List<Entry> entries = new ArrayList<>();
	private long next;

	void add(int size) { entries.add(new Entry(next++, size)); }
	int size() { return entries.size(); }
}

public final class Leak {
	static final int ENTRY_BYTES = 1024;
	/* Static: a local would be dead to the JIT once the loop ends, and the
	 * leak would be collected. */
	static final LeakyCache CACHE = new LeakyCache();

	/* Sleeps 1 ms in a loop and keeps the longest gap between wake-ups. */
	static void watchGaps()
	{
		long last = System.nanoTime();
		long windowEnd = last + 1_000_000_000L;
		long worst = 0;
		for (;;) {
			try {
				Thread.sleep(1);
			} catch (InterruptedException e) {
				return;
			}
			long now = System.nanoTime();
			worst = Math.max(worst, now - last);
			last = now;
			if (now >= windowEnd) {
				System.out.println("leak: max_gap_ms=" + worst / 1_000_000);
				worst = 0;
				windowEnd = now + 1_000_000_000L;
			}
		}
	}

	public static void main(String[] args) throws InterruptedException
	{
		double rate = args.length > 0 ? Double.parseDouble(args[0]) : 8;
		long maxMib = args.length > 1 ? Long.parseLong(args[1]) : 100;
		System.out.println("leak: started pid=" + ProcessHandle.current().pid());

		Thread gaps = new Thread(Leak::watchGaps, "gap-watch");
		gaps.setDaemon(true);
		gaps.start();

		LeakyCache cache = CACHE;
		long perMib = (1 << 20) / ENTRY_BYTES;
		long target = maxMib * perMib;
		long start = System.nanoTime();
		long reported = 0;
		while (cache.size() < target) {
			double seconds = (System.nanoTime() - start) / 1e9;
			long due = Math.min(target, (long)(seconds * rate * perMib));
			while (cache.size() < due)
				cache.add(ENTRY_BYTES);
			long held = cache.size() / perMib;
			if (held / 16 > reported / 16) {
				reported = held;
				System.out.println("leak: held_mib=" + held);
			}
			Thread.sleep(10);
		}
		System.out.println("leak: held_mib=" + cache.size() / perMib + " done");
		for (;;)
			Thread.sleep(60_000);
	}
}
