package dev.resizelet.bench;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small hand-written SVG: latency (ms, linear y) at the percentiles 50, 90, 99, 99.9 (x on the log scale of
 * 1/(1-p), as HdrHistogram's percentile plots do), one polyline per series.
 */
public final class LatencyChart {
    static final double[] PERCENTILES = {50, 90, 99, 99.9};
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"};
    private static final int WIDTH = 720;
    private static final int HEIGHT = 440;
    private static final int LEFT = 70;
    private static final int RIGHT = 200;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;

    /** One line: a name and its percentiles. */
    public record Series(String name, LatencyStats stats) {
        public Series {
            requireNonNull(name, "name");
            requireNonNull(stats, "stats");
        }
    }

    private LatencyChart() {
    }

    public static String svg(String title, List<Series> series) {
        requireNonNull(title, "title");
        List<Series> shown = new ArrayList<>();
        for (Series s : series) {
            if (s.stats().count() > 0) {
                shown.add(s);
            }
        }
        double maxMs = 0;
        for (Series s : shown) {
            for (double p : PERCENTILES) {
                maxMs = Math.max(maxMs, s.stats().atPercentile(p));
            }
        }
        double yMax = niceCeiling(maxMs);
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        StringBuilder sb = new StringBuilder();
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
                .append(HEIGHT).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append(text(LEFT + plotW / 2.0, 22, escape(title), "middle", 14));
        // axes and grid
        for (int i = 0; i <= 5; i++) {
            double v = yMax * i / 5;
            double y = TOP + plotH - plotH * i / 5.0;
            sb.append(line(LEFT, y, LEFT + plotW, y, "#ddd"));
            sb.append(text(LEFT - 6, y + 4, fmt(v), "end", 12));
        }
        for (double p : PERCENTILES) {
            double x = x(p, plotW);
            sb.append(line(x, TOP, x, TOP + plotH, "#ddd"));
            sb.append(text(x, TOP + plotH + 18, fmt(p), "middle", 12));
        }
        sb.append(line(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH, "#333"));
        sb.append(line(LEFT, TOP, LEFT, TOP + plotH, "#333"));
        sb.append(text(LEFT + plotW / 2.0, HEIGHT - 10, "percentile (log scale of 1/(1-p))", "middle", 12));
        sb.append("<text x=\"16\" y=\"").append(TOP + plotH / 2).append("\" text-anchor=\"middle\" transform=\"rotate(-90 16 ")
                .append(TOP + plotH / 2).append(")\">latency (ms)</text>\n");
        if (shown.isEmpty()) {
            sb.append(text(LEFT + plotW / 2.0, TOP + plotH / 2.0, "no latencies recorded", "middle", 14));
        }
        for (int i = 0; i < shown.size(); i++) {
            Series s = shown.get(i);
            String color = COLORS[i % COLORS.length];
            StringBuilder pts = new StringBuilder();
            for (double p : PERCENTILES) {
                double px = x(p, plotW);
                double py = TOP + plotH - plotH * (s.stats().atPercentile(p) / yMax);
                pts.append(fmt(px)).append(',').append(fmt(py)).append(' ');
                sb.append("<circle cx=\"").append(fmt(px)).append("\" cy=\"").append(fmt(py))
                        .append("\" r=\"3\" fill=\"").append(color).append("\"/>\n");
            }
            sb.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"2\" points=\"")
                    .append(pts.toString().trim()).append("\"/>\n");
            double ly = TOP + 10 + i * 20;
            sb.append(line(LEFT + plotW + 14, ly, LEFT + plotW + 34, ly, color));
            sb.append(text(LEFT + plotW + 40, ly + 4, escape(s.name()), "start", 12));
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    /** x pixel of percentile p: log10(1/(1-p/100)) from 50% (0.30) to 99.9% (3.0), with a margin. */
    private static double x(double p, int plotW) {
        double lo = Math.log10(2);
        double hi = Math.log10(1000);
        double v = Math.log10(1 / (1 - p / 100));
        return LEFT + 20 + (plotW - 40) * (v - lo) / (hi - lo);
    }

    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double mag = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * mag >= v) {
                return step * mag;
            }
        }
        return 10 * mag;
    }

    private static String line(double x1, double y1, double x2, double y2, String color) {
        return "<line x1=\"" + fmt(x1) + "\" y1=\"" + fmt(y1) + "\" x2=\"" + fmt(x2) + "\" y2=\"" + fmt(y2)
                + "\" stroke=\"" + color + "\"/>\n";
    }

    private static String text(double x, double y, String s, String anchor, int size) {
        return "<text x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" text-anchor=\"" + anchor + "\" font-size=\"" + size
                + "\">" + s + "</text>\n";
    }

    private static String fmt(double v) {
        String s = String.format(Locale.ROOT, "%.2f", v);
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
