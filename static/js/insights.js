// Insights: each <canvas id="chart-KEY"> is drawn from the JSON in #chart-KEY-data (the
// CSP runs no inline script, so the numbers arrive as a data block). Bars, stacked where
// the data says so, with an optional line on top (payouts over liability).
(function () {
  if (typeof Chart === "undefined") return;
  const palette = ["#1f6feb", "#d29922", "#2da44e", "#cf222e", "#8250df", "#0a7e8c", "#bf3989", "#57606a"];
  document.querySelectorAll("canvas[id^='chart-']").forEach((canvas) => {
    const source = document.getElementById(canvas.id + "-data");
    if (!source) return;
    const spec = JSON.parse(source.textContent);
    const datasets = spec.datasets.map((set, index) => ({
      type: "bar",
      label: set.label,
      data: set.data,
      backgroundColor: palette[index % palette.length],
      stack: spec.stacked ? "stack" : undefined,
    }));
    if (spec.line) {
      datasets.push({
        type: "line",
        label: spec.line.label,
        data: spec.line.data,
        borderColor: "#24292f",
        backgroundColor: "#24292f",
      });
    }
    new Chart(canvas, {
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: spec.stacked },
          y: { stacked: spec.stacked, beginAtZero: true },
        },
        plugins: { legend: { display: datasets.length > 1 } },
      },
    });
  });
})();
