package dev.resizelet.bench;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small hand-written SVG of whole percentile curves, as HdrHistogram's plots draw them: x is the percentile on the
 * log scale of 1/(1-p) (0 %, 90 %, 99 %, 99.9 %, 99.99 % equally spaced), y is the latency on a log scale (ms), one
 * polyline per series. Points at 100 % (the maximum) are drawn at the right edge.
 */
public final class LatencyChart {
    static final double[] X_TICKS = {0, 90, 99, 99.9, 99.99};
    private static final double X_MAX_DECADES = 4; // 1/(1-p) up to 10^4: 99.99 %
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
        "#17becf"};
    private static final String[] DASHES = {"", "", "6,3", "", "6,3", "2,2", "2,2"};
    private static final int WIDTH = 820;
    private static final int HEIGHT = 480;
    private static final int LEFT = 70;
    private static final int RIGHT = 290;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;

    /** One line: a name and its percentile curve; {@code dashed} for baselines. */
    public record Series(String name, LatencyStats stats, boolean dashed) {
        public Series {
            requireNonNull(name, "name");
            requireNonNull(stats, "stats");
        }

        public Series(String name, LatencyStats stats) {
            this(name, stats, false);
        }
    }

    private LatencyChart() {
    }

    public static String svg(String title, List<Series> series) {
        requireNonNull(title, "title");
        List<Series> shown = new ArrayList<>();
        for (Series s : series) {
            if (s.stats().count() > 0 && !s.stats().curve().isEmpty()) {
                shown.add(s);
            }
        }
        double minMs = Double.MAX_VALUE;
        double maxMs = 0;
        for (Series s : shown) {
            for (LatencyStats.Point p : s.stats().curve()) {
                if (p.ms() > 0) {
                    minMs = Math.min(minMs, p.ms());
                }
                maxMs = Math.max(maxMs, p.ms());
            }
        }
        if (maxMs <= 0) {
            minMs = 0.1;
            maxMs = 1;
        }
        int loDecade = (int) Math.floor(Math.log10(minMs));
        int hiDecade = (int) Math.ceil(Math.log10(maxMs));
        if (hiDecade <= loDecade) {
            hiDecade = loDecade + 1;
        }
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        StringBuilder sb = new StringBuilder();
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
                .append(HEIGHT).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append(text(LEFT + plotW / 2.0, 22, escape(title), "middle", 13));
        for (int d = loDecade; d <= hiDecade; d++) {
            double y = y(Math.pow(10, d), loDecade, hiDecade, plotH);
            sb.append(line(LEFT, y, LEFT + plotW, y, "#ccc"));
            sb.append(text(LEFT - 6, y + 4, label(Math.pow(10, d)), "end", 12));
            for (int m = 2; m < 10 && d < hiDecade; m++) {
                double ym = y(m * Math.pow(10, d), loDecade, hiDecade, plotH);
                sb.append(line(LEFT, ym, LEFT + plotW, ym, "#eee"));
            }
        }
        for (double p : X_TICKS) {
            double x = x(p, plotW);
            sb.append(line(x, TOP, x, TOP + plotH, "#ddd"));
            sb.append(text(x, TOP + plotH + 18, fmt(p) + "%", "middle", 12));
        }
        sb.append(line(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH, "#333"));
        sb.append(line(LEFT, TOP, LEFT, TOP + plotH, "#333"));
        sb.append(text(LEFT + plotW / 2.0, HEIGHT - 10, "percentile (log scale of 1/(1-p); max at the right edge)",
                "middle", 12));
        sb.append("<text x=\"16\" y=\"").append(TOP + plotH / 2).append("\" text-anchor=\"middle\" transform=\"rotate(-90 16 ")
                .append(TOP + plotH / 2).append(")\">latency (ms, log scale)</text>\n");
        if (shown.isEmpty()) {
            sb.append(text(LEFT + plotW / 2.0, TOP + plotH / 2.0, "no latencies recorded", "middle", 14));
        }
        for (int i = 0; i < shown.size(); i++) {
            Series s = shown.get(i);
            String color = COLORS[i % COLORS.length];
            String dash = s.dashed() ? "6,3" : DASHES[i % DASHES.length];
            StringBuilder pts = new StringBuilder();
            for (LatencyStats.Point p : s.stats().curve()) {
                double px = x(p.percentile(), plotW);
                double py = y(Math.max(p.ms(), Math.pow(10, loDecade)), loDecade, hiDecade, plotH);
                pts.append(fmt(px)).append(',').append(fmt(py)).append(' ');
            }
            sb.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"2\"")
                    .append(dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\"").append(" points=\"")
                    .append(pts.toString().trim()).append("\"/>\n");
            double ly = TOP + 10 + i * 20;
            sb.append("<line x1=\"").append(fmt(LEFT + plotW + 14)).append("\" y1=\"").append(fmt(ly))
                    .append("\" x2=\"").append(fmt(LEFT + plotW + 40)).append("\" y2=\"").append(fmt(ly))
                    .append("\" stroke=\"").append(color).append("\" stroke-width=\"2\"")
                    .append(dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\"").append("/>\n");
            sb.append(text(LEFT + plotW + 46, ly + 4, escape(s.name()), "start", 11));
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    /** x pixel of percentile p: log10(1/(1-p/100)) from 0 (p = 0) to 4 (99.99 %); 100 % at the right edge. */
    static double x(double p, int plotW) {
        double v = p >= 99.99 ? X_MAX_DECADES : Math.log10(1 / (1 - p / 100));
        return LEFT + plotW * Math.min(v, X_MAX_DECADES) / X_MAX_DECADES;
    }

    private static double y(double ms, int loDecade, int hiDecade, int plotH) {
        double v = (Math.log10(ms) - loDecade) / (hiDecade - loDecade);
        return TOP + plotH - plotH * v;
    }

    private static String label(double ms) {
        return ms >= 1 ? String.format(Locale.ROOT, "%.0f", ms) : fmt(ms);
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
        String s = String.format(Locale.ROOT, "%.4f", v);
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
