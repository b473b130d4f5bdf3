// The query page's metrics over time: while events flow, the series of events/s in, rows/s out, late events/s and the
// watermark's lag behind the wall clock grow a point a second from the server's samples and show the rates; when the
// events stop, events/s in falls back to 0; at 390 px the charts stack inside the screen.
import { runScenario, assert, http, uniqueName } from './lib.mjs';

await runScenario('query-metrics-over-time', async ({ page, base, shot }) => {
  const stream = uniqueName('ticks');
  assert((await http(base, 'POST', '/api/streams', { name: stream, timestampField: 'at', watermarkDelay: '1s' })).status === 201, 'create the stream');
  const query = uniqueName('ticks_per_second');
  assert((await http(base, 'POST', '/api/queries', {
    name: query, sql: `SELECT COUNT(*) AS n, window_start, window_end FROM TUMBLE(${stream}, at, INTERVAL '1' SECOND) GROUP BY window_start, window_end`,
  })).status === 201, 'register the query');

  // Ten events every 200 ms at the current time, and one a minute old in every fifth batch: behind the watermark, late.
  let flowing = true;
  const producer = (async () => {
    for (let batch = 0; flowing; batch++) {
      const now = Date.now();
      const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ v: i, at: new Date(now).toISOString() }));
      if (batch % 5 === 4) lines.push(JSON.stringify({ v: -1, at: new Date(now - 60_000).toISOString() }));
      const answer = await http(base, 'POST', `/api/streams/${stream}/events`, lines.join('\n'), 'application/x-ndjson');
      if (answer.status !== 200) throw new Error(`append answered ${answer.status}: ${JSON.stringify(answer.json)}`);
      await new Promise(resolve => setTimeout(resolve, 200));
    }
  })();

  try {
    await page.goto(`${base}/#queries/${query}`);
    await page.waitForSelector('#query-page:not([hidden]) .series-grid');
    const series = key => page.$eval(`#query-page figure[data-series=${key}]`, f => ({
      points: Number(f.dataset.points), latest: f.dataset.latest == null ? null : Number(f.dataset.latest),
      max: f.dataset.max == null ? null : Number(f.dataset.max), label: f.querySelector('svg').getAttribute('aria-label'),
      line: f.querySelector('path').getAttribute('d'),
    }));
    // Waits until the chart's figures reach the given lower bounds: { points, latest, max } (each optional, exclusive).
    const waitFor = (key, above, what) => page.waitForFunction(([key, above]) => {
      const f = document.querySelector(`#query-page figure[data-series=${key}]`);
      if (!f) return false;
      const figures = { points: Number(f.dataset.points), latest: Number(f.dataset.latest), max: Number(f.dataset.max) };
      return Object.entries(above).every(([name, bound]) => figures[name] > bound);
    }, [key, above], { timeout: 30_000 }).catch(error => { throw new Error(`${what}: ${error.message}`); });

    await waitFor('eventsIn', { points: 2, latest: 0 }, 'events/s in shows the flow');
    const first = await series('eventsIn');
    // The series move: a second later there are more points, drawn as a line, and the accessible name says the figures.
    await waitFor('eventsIn', { points: first.points }, 'events/s in grows a point a second');
    const eventsIn = await series('eventsIn');
    assert(eventsIn.max >= 10 && eventsIn.max < 500, `events/s in is the server's rate of about 50/s, max ${eventsIn.max}`);
    assert(/^M[\d.]+,[\d.]+L/.test(eventsIn.line), `the series is drawn as a line: ${eventsIn.line}`);
    assert(/events in per second over the last \d+ s: latest [\d.,]+\/s, min [\d.,]+\/s, max [\d.,]+\/s/.test(eventsIn.label), `the chart's name says its figures: ${eventsIn.label}`);

    await waitFor('rowsOut', { max: 0 }, 'rows/s out shows closed windows');
    await waitFor('lateEvents', { max: 0 }, 'late events/s shows the minute-old events');
    await waitFor('watermarkLag', { points: 1 }, 'the watermark lag has points');
    const lag = await series('watermarkLag');
    assert(lag.latest >= 0 && lag.latest < 30, `the watermark trails the wall clock by about the delay, not ${lag.latest} s`);
    await shot('query-metrics-over-time.png');
  } finally {
    flowing = false;
    await producer;
  }

  // Server rates, not browser deltas: once nothing is appended, the next samples say 0 events/s.
  await page.waitForFunction(() => document.querySelector('#query-page figure[data-series=eventsIn]').dataset.latest === '0', null, { timeout: 30_000 });

  // A phone-sized window: the charts stack, one a row, and nothing is wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  const fit = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const charts = [...document.querySelectorAll('#query-page figure.series')].map(f => f.getBoundingClientRect());
    return { width, scroll: document.documentElement.scrollWidth, right: Math.max(...charts.map(r => r.right)), lefts: new Set(charts.map(r => Math.round(r.left))).size };
  });
  assert(fit.scroll <= fit.width && fit.right <= fit.width + 1, `the query page fits 390 px: ${JSON.stringify(fit)}`);
  assert(fit.lefts === 1, `the charts stack in one column at 390 px: ${JSON.stringify(fit)}`);
  await shot('query-metrics-390.png');
});
