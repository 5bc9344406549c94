package dev.resizelet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class LatencyChartTest {
    private static final LatencyStats AGENT = new LatencyStats(1000, 2.0, 3.0, 8.0, 15.0, 20.0, 2.5);
    private static final LatencyStats BARE = new LatencyStats(1000, 0.5, 0.7, 1.2, 3.0, 4.0, 0.6);

    @Test
    void drawsOneCurvePerSeriesOnLogAxesWithALegend() throws Exception {
        String svg = LatencyChart.svg("a <title> & more", List.of(
                new LatencyChart.Series("agent", AGENT), new LatencyChart.Series("bare", BARE)));

        Document doc = parse(svg);
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
        assertThat(doc.getElementsByTagName("polyline").getLength()).isEqualTo(2);
        String points = ((Element) doc.getElementsByTagName("polyline").item(0)).getAttribute("points");
        assertThat(points.split(" ")).hasSize(5); // p50, p90, p99, p99.9, max
        assertThat(svg).contains("a &lt;title&gt; &amp; more", ">agent<", ">bare<", ">99.9%<", ">99.99%<",
                "log scale", ">1<", ">10<");
    }

    @Test
    void higherLatencyIsDrawnHigherAndLaterPercentilesFurtherRight() throws Exception {
        Document doc = parse(LatencyChart.svg("t", List.of(new LatencyChart.Series("agent", AGENT))));

        String[] pts = ((Element) doc.getElementsByTagName("polyline").item(0)).getAttribute("points").split(" ");
        double prevX = -1;
        double prevY = Double.MAX_VALUE;
        for (String p : pts) {
            double x = Double.parseDouble(p.split(",")[0]);
            double y = Double.parseDouble(p.split(",")[1]);
            assertThat(x).isGreaterThan(prevX);
            assertThat(y).isLessThan(prevY); // SVG y grows downwards
            prevX = x;
            prevY = y;
        }
    }

    @Test
    void emptySeriesAreLeftOutAndSaidSo() throws Exception {
        Document doc = parse(LatencyChart.svg("t", List.of(new LatencyChart.Series("none", LatencyStats.EMPTY))));

        assertThat(doc.getElementsByTagName("polyline").getLength()).isZero();
        assertThat(doc.getDocumentElement().getTextContent()).contains("no latencies recorded");
    }

    @Test
    void aWholeHistogramBecomesADenseCurveUpToItsMaximum() {
        org.HdrHistogram.Histogram h = LatencyStats.newHistogram();
        for (long v = 1; v <= 10_000; v++) {
            h.recordValue(v * 1_000L); // 1 µs .. 10 ms
        }
        LatencyStats s = LatencyStats.of(h);

        assertThat(s.curve().size()).isGreaterThan(20);
        assertThat(s.curve().get(s.curve().size() - 1).percentile()).isEqualTo(100.0);
        assertThat(s.curve().get(s.curve().size() - 1).ms()).isCloseTo(10.0, org.assertj.core.data.Offset.offset(0.01));
    }

    private static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }
}
