// The console's scenarios in headless Chromium (see browser.mjs).
// Usage: node e2e/console.mjs <baseUrl> <fixturesDir> <screenshotsDir>   (run by ConsoleTest inside `mvn test`)
import { join } from 'node:path';
import { runScenarios } from './browser.mjs';

const [baseUrl, fixtures, shots] = process.argv.slice(2);
if (!shots) {
  console.error('usage: node e2e/console.mjs <baseUrl> <fixturesDir> <screenshotsDir>');
  process.exit(2);
}
const fixture = (name) => join(fixtures, name);

await runScenarios({ baseUrl, shots }, async ({ page, log, shot, assertLabelled, nav, go, scenario }) => {
  await scenario('the dashboard opens and the live event stream connects', async () => {
    await go('#/');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByText('Live updates on').waitFor();
    await page.locator('.chart canvas').first().waitFor();
    await assertLabelled('dashboard');
  });

  await scenario('upload a dataset and see it listed with its schema', async () => {
    await nav('Datasets');
    await page.getByRole('button', { name: 'Upload dataset' }).click();
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByText('A name is required.').waitFor(); // checked before anything is sent
    await page.getByLabel('File').setInputFiles(fixture('customers.csv'));
    await page.getByLabel('Name').fill('customers');
    await page.getByLabel('Description').fill('Customers with their spend and visits');
    await assertLabelled('dataset upload form');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const row = page.locator('tr[data-dataset="customers"]');
    await row.waitFor();
    for (const column of ['id', 'amount', 'visits', 'city', 'churned']) {
      await row.locator('.tag', { hasText: column }).first().waitFor();
    }
    await row.getByText('400', { exact: true }).waitFor();
    await shot('02-datasets');
    await row.getByRole('link', { name: 'customers' }).click();
    await page.getByRole('table', { name: 'Schema and statistics' }).getByText('amount').waitFor();
    await page.getByRole('table', { name: 'Preview' }).locator('tbody tr').nth(19).waitFor();
    await shot('03-dataset');
  });

  await scenario('a refused form shows the API\'s message', async () => {
    await nav('Models');
    await page.getByRole('button', { name: 'New model' }).click();
    await page.getByLabel('Name').fill('churn');
    await page.getByLabel('Description').fill('Churn classifier (logistic regression)');
    await page.getByRole('button', { name: 'Create model' }).click();
    await page.getByRole('heading', { name: 'churn' }).waitFor();
    await go('#/models');
    await page.getByRole('button', { name: 'New model' }).click();
    await page.getByLabel('Name').fill('churn');
    await page.getByRole('button', { name: 'Create model' }).click();
    const refusal = page.getByRole('alert');
    await refusal.getByText('Refused (409 conflict)').waitFor();
    const expected = await page.evaluate(async () => (await (await fetch('/api/models', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'churn' }),
    })).json()).error.message);
    const shown = await refusal.locator('.error-message').textContent();
    if (shown !== expected) throw new Error(`the console showed "${shown}", the API said "${expected}"`);
    await shot('04-refused-form');
  });

  await scenario('upload a model version, with a refused file first', async () => {
    await go('#/models/churn');
    await page.getByRole('button', { name: 'Upload version' }).click();
    await page.getByLabel('Metrics (JSON)').fill('{"auc": "high"}');
    await page.getByLabel('Model file').setInputFiles(fixture('not-a-model.onnx'));
    await page.getByRole('button', { name: 'Upload version' }).last().click();
    await page.getByText('Every metric must be a number.').waitFor();
    await page.getByLabel('Metrics (JSON)').fill('{"auc": 0.91, "accuracy": 0.87}');
    await page.getByRole('button', { name: 'Upload version' }).last().click();
    const refusal = page.locator('#upload-version-title').locator('..').locator('..').getByRole('alert');
    await refusal.getByText('Refused (400').waitFor();
    log(`  the API refused the file: ${await refusal.locator('.error-message').textContent()}`);
    await page.getByLabel('Model file').setInputFiles(fixture('churn.onnx'));
    await page.getByLabel('Parameters (JSON)').fill('{"epochs": 20, "optimizer": "sgd"}');
    await page.getByLabel('Description').fill('first trained version');
    await assertLabelled('model version upload form');
    await page.getByRole('button', { name: 'Upload version' }).last().click();
    await page.getByRole('heading', { name: 'Version 1' }).waitFor();
    await page.locator('.version-detail').getByText('[-1, 4]').waitFor();
    await page.getByRole('combobox', { name: 'Alias' }).fill('champion');
    await page.getByRole('button', { name: 'Set alias' }).click();
    await page.locator('.alias-list').getByText('champion').waitFor();
    await shot('05-model');
  });

  await scenario('deploy it and get a prediction from the "try it" form', async () => {
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await page.getByLabel('Deployment name').fill('churn-prod');
    await page.getByRole('button', { name: 'Deploy v1' }).click();
    await page.getByRole('heading', { name: 'churn-prod' }).waitFor();
    await page.locator('#replicas-title').locator('..').locator('.pill[data-status="ready"]').waitFor({ timeout: 30000 });
    const fields = page.locator('form[aria-label="Try a prediction"] input');
    await fields.nth(3).waitFor();
    if (await fields.count() !== 4) throw new Error(`expected 4 input fields from the signature, got ${await fields.count()}`);
    await page.getByRole('button', { name: 'Predict' }).click();
    await page.getByText('Required.').first().waitFor(); // checked before it is sent
    const values = ['0.5', '-1.2', '0.3', '2.0'];
    for (let i = 0; i < 4; i++) await fields.nth(i).fill(values[i]);
    await assertLabelled('try it form');
    await page.getByRole('button', { name: 'Predict' }).click();
    const answer = page.locator('.prediction');
    await answer.waitFor();
    log(`  prediction: ${(await answer.textContent()).replace(/\s+/g, ' ').trim()}`);
    for (let i = 0; i < 8; i++) {
      await page.getByRole('button', { name: 'Predict' }).click();
      await page.waitForTimeout(400);
    }
    await page.waitForTimeout(2200);
    await shot('06-deployment');
    await nav('Deployments');
    await page.locator('tr[data-deployment="churn-prod"] .pill[data-status="ready"]').waitFor();
    await shot('07-deployments');
  });

  await scenario('the executions form checks what it can before it sends', async () => {
    await nav('Executions');
    const before = await page.evaluate(async () => (await (await fetch('/api/executions?limit=1')).json()).total);
    await page.getByRole('button', { name: 'Start execution' }).click();
    const form = page.locator('form[aria-label="Start an execution"]');
    await page.getByLabel('Type').selectOption('train');
    await page.getByLabel('Dataset', { exact: true }).selectOption('customers');
    await form.locator('label.check').first().waitFor();
    await form.getByRole('button', { name: 'Start execution' }).click();
    await page.getByText('Pick the label column.').waitFor();
    await page.getByText('None picked: every column but the label').waitFor();
    await page.waitForFunction(() => document.activeElement.getAttribute('aria-invalid') === 'true');
    const focused = await page.evaluate(() => document.querySelector(`label[for="${document.activeElement.id}"]`)?.textContent);
    if (focused !== 'Label column') throw new Error(`focus went to "${focused}", not the first invalid field`);
    await assertLabelled('execution form');
    await shot('08-execution-form');
    const after = await page.evaluate(async () => (await (await fetch('/api/executions?limit=1')).json()).total);
    if (after !== before) throw new Error('an invalid execution was sent');
  });

  await scenario('start a transformation from the dataset and watch its progress change without reloading', async () => {
    await nav('Datasets');
    await page.locator('tr[data-dataset="customers"]').getByRole('link', { name: 'customers' }).click();
    await page.getByRole('button', { name: 'Transform' }).click();
    const form = page.locator('form[aria-label="Start an execution"]');
    await page.getByLabel('Output dataset').fill('');
    await form.getByRole('button', { name: 'Start execution' }).click();
    await page.getByText('Name the output dataset').waitFor();
    await page.getByText('Columns: id, amount').waitFor();
    await page.getByLabel('Step 1 value').fill('amount > 10');
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.getByLabel('Step 2 kind').selectOption('select');
    await page.getByLabel('Step 2 value').fill('id, amount, visits, city, churned');
    await page.getByLabel('Output dataset').fill('customers-clean');
    await page.getByLabel('Train split (optional)').fill('0.8');
    await assertLabelled('transformation form');
    await form.getByRole('button', { name: 'Start execution' }).click();
    await page.locator('.execution-status').waitFor();
    await page.evaluate(() => { window.__sameDocument = true; });
    const seen = [];
    const deadline = Date.now() + 60000;
    let status = '';
    while (Date.now() < deadline) {
      status = await page.locator('.execution-status .pill').first().getAttribute('data-status');
      const progress = await page.locator('.execution-status .progress-cell').getAttribute('data-progress');
      const state = `${status} ${progress} %`;
      if (seen[seen.length - 1] !== state) {
        seen.push(state);
        log(`  ${state}`);
      }
      if (!['queued', 'running'].includes(status)) break;
      await page.waitForTimeout(100);
    }
    if (status !== 'succeeded') throw new Error(`the execution ended ${status}: ${await page.locator('.execution-status').textContent()}`);
    if (seen.length < 2) throw new Error(`its progress never changed on the page: ${seen.join(' → ')}`);
    if (!await page.evaluate(() => window.__sameDocument === true)) throw new Error('the page reloaded');
    // the page counts the status events of this execution that reached it through the event-bus bridge
    const live = await page.locator('.execution-status').getByText(/live update/).textContent().catch(() => '');
    if (!/^[1-9]/.test(live)) throw new Error('no status event of this execution arrived through the event-bus bridge');
    log(`  ${seen.join(' → ')}; ${live} through the bridge`);
    await page.locator('.outputs').getByText('customers-clean-train').waitFor();
    await page.locator('.log').getByText('succeeded').waitFor();
    await shot('09-execution');
    await nav('Executions');
    await page.locator('tbody tr').first().waitFor();
    await shot('10-executions');
  });

  await scenario('the models list shows the latest version and the alias', async () => {
    await nav('Models');
    await page.getByRole('searchbox', { name: 'Search models' }).fill('chu');
    await page.locator('tbody tr', { hasText: 'champion → v1' }).waitFor();
    await shot('04-models');
  });

  await scenario('install the workflow examples, start a run from the form and watch its steps succeed live', async () => {
    await nav('Workflows');
    await page.getByRole('button', { name: 'Install examples' }).click();
    await page.getByText('Installed train-evaluate-deploy v1').waitFor();
    for (const example of ['train-evaluate-deploy', 'tune-and-deploy', 'llm-summarize-classify']) {
      await page.locator(`tr[data-workflow="${example}"]`).waitFor();
    }
    // the examples need Spark or an LLM: this one only reads the catalogue, in every kind of step but optimize
    const defined = await page.evaluate(async (definition) => (await fetch('/api/workflows', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(definition),
    })).status, {
      name: 'catalogue-check',
      description: 'Checks the catalogue: enough models, datasets and deployments listed side by side, a task per slot',
      input_schema: { type: 'object', required: ['min_models'], properties: {
        min_models: { type: 'integer', minimum: 0, description: 'models the catalogue must hold at least' } } },
      steps: [
        { id: 'models', kind: 'call', operation: 'model.list', inputs: { limit: 100 } },
        { id: 'enough', kind: 'gate', condition: '${steps.models.total >= input.min_models}', reason: 'too few models' },
        { id: 'inventory', kind: 'parallel', branches: {
          datasets: [{ id: 'datasets', kind: 'call', operation: 'dataset.list', inputs: {} }],
          deployments: [{ id: 'deployments', kind: 'call', operation: 'deployment.list', inputs: {} }] } },
        // long enough (300 calls one after the other) for the page to show steps before they end, even on a fast machine
        { id: 'slots', kind: 'map', items: '${[1..300]}', concurrency: 1, task: { operation: 'model.list', inputs: { limit: 1 } } },
        { id: 'serving', kind: 'route', on: "${$count(steps.deployments.items) > 0 ? 'live' : 'none'}",
          branches: { live: 'report', none: 'nothing' } },
        { id: 'nothing', kind: 'gate', condition: '${true}', end: true },
        { id: 'report', kind: 'call', operation: 'deployment.list', inputs: { limit: 1 } },
      ],
      output: '${ {"models": steps.models.total, "deployments": $count(steps.deployments.items)} }',
    });
    if (defined !== 201) throw new Error(`defining the test workflow answered ${defined}`);
    await page.reload();
    await page.locator('tr[data-workflow="catalogue-check"]').getByText('9', { exact: true }).waitFor();
    await shot('14-workflows');
    await page.getByRole('link', { name: 'catalogue-check' }).click();
    await page.locator('.node[data-step="deployments"]').waitFor();
    await page.locator('.exits').getByText('report').waitFor();
    const runs = async () => page.evaluate(async () => (await (await fetch('/api/workflow-runs?limit=1')).json()).total);
    const before = await runs();
    const input = page.getByLabel('Input (JSON)');
    await input.fill('{"min_models": 1');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.getByText('Not JSON:').waitFor(); // checked before it is sent
    await input.fill('{"min_models": "one"}');
    await page.getByRole('button', { name: 'Start run' }).click();
    const refusal = page.locator('form[aria-label="Start a run"]').getByRole('alert');
    await refusal.getByText('Refused (400').waitFor();
    const expected = await page.evaluate(async () => (await (await fetch('/api/workflows/catalogue-check/runs', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { min_models: 'one' } }),
    })).json()).error.message);
    const shown = await refusal.locator('.error-message').textContent();
    if (shown !== expected) throw new Error(`the console showed "${shown}", the API said "${expected}"`);
    if (await runs() !== before) throw new Error('a refused run was queued');
    await assertLabelled('start a run form');
    await page.locator('.node[data-step="slots"]').click();
    await page.getByLabel('Definition of step slots').waitFor();
    await shot('14-workflow');

    await input.fill('{"min_models": 1}');
    // every status a step shows on the page, from the click on: the run page must follow them without reloading
    await page.evaluate(() => {
      window.__sameDocument = true;
      window.__seen = [];
      const record = () => document.querySelectorAll('.node[data-status]').forEach((n) => {
        const seen = `${n.dataset.step}:${n.dataset.status}`;
        if (!window.__seen.includes(seen)) window.__seen.push(seen);
      });
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
    });
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.getByRole('heading', { name: 'catalogue-check run' }).waitFor();
    for (const step of ['models', 'enough', 'inventory', 'datasets', 'deployments', 'slots', 'serving', 'report']) {
      await page.locator(`.node[data-step="${step}"][data-status="succeeded"]`).waitFor({ timeout: 30000 });
    }
    await page.locator('.node[data-step="nothing"][data-status="skipped"]').waitFor();
    await page.locator('.run-status .pill[data-status="succeeded"]').waitFor();
    if (!await page.evaluate(() => window.__sameDocument === true)) throw new Error('the page reloaded');
    const seen = await page.evaluate(() => window.__seen);
    log(`  statuses seen: ${seen.join(' ')}`);
    if (!seen.some((s) => /:(queued|pending|running)$/.test(s))) throw new Error('the page never showed a step before it ended');
    await page.locator('.node[data-step="slots"]').click();
    await page.locator('.step-detail').getByText('300 of 300').waitFor();
    await page.getByLabel('Output of step slots').getByText('"results"').waitFor();
    await assertLabelled('workflow run');
    await shot('15-workflow-run');
  });

  await scenario('the dashboard shows the counts, the health, recent executions and traffic', async () => {
    await nav('Dashboard');
    await page.locator('#health-title').locator('..').locator('..').getByText('churn-prod').waitFor();
    await page.locator('.stat', { hasText: 'Datasets' }).locator('.stat-value', { hasText: /^[1-9]/ }).waitFor();
    await page.waitForTimeout(2500);
    await shot('01-dashboard');
  });

  await scenario('a drift report of the logged predictions, started from the form, drawn feature by feature', async () => {
    // set up through the API: the deployment logs every prediction, a baseline holds the model's four inputs, and
    // 400 rows are predicted whose first input moved by three standard deviations
    const call = (method, path, body) => page.evaluate(async ([m, p, b]) => {
      const response = await fetch(p, { method: m, headers: { 'content-type': 'application/json' }, body: b && JSON.stringify(b) });
      return { status: response.status, body: await response.json().catch(() => null) };
    }, [method, path, body]);
    const uploaded = await page.evaluate(async () => {
      const gaussian = () => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
      let csv = 'input_0,input_1,input_2,input_3\n';
      for (let i = 0; i < 1000; i++) csv += [gaussian(), gaussian(), gaussian(), gaussian()].join(',') + '\n';
      const form = new FormData();
      form.append('name', 'churn-inputs');
      form.append('file', new Blob([csv], { type: 'text/csv' }), 'churn-inputs.csv');
      return (await fetch('/api/datasets', { method: 'POST', body: form })).status;
    });
    if (uploaded !== 201) throw new Error(`the baseline upload answered ${uploaded}`);
    const logging = await call('PATCH', '/api/deployments/churn-prod', { logging: { sample: 1.0, roll_seconds: 1 } });
    if (logging.status !== 200) throw new Error(`turning logging on answered ${logging.status}: ${JSON.stringify(logging.body)}`);
    const gaussian = () => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
    for (let request = 0; request < 10;) {
      const rows = Array.from({ length: 40 }, () => [3 + gaussian(), gaussian(), gaussian(), gaussian()]);
      const answer = await call('POST', '/api/deployments/churn-prod/predict', { inputs: rows });
      if (answer.status === 200) request++;
      else await page.waitForTimeout(200); // replicas reloading with logging on
    }
    for (let logged = 0; logged < 400;) {
      await page.waitForTimeout(500);
      const versions = await call('GET', '/api/datasets/churn-prod-predictions/versions');
      logged = versions.status === 200 ? versions.body.items.reduce((n, v) => n + ((v.lineage && v.lineage.rows) || 0), 0) : 0;
    }

    await nav('Executions');
    await page.getByRole('button', { name: 'Start execution' }).click();
    const form = page.locator('form[aria-label="Start an execution"]');
    await form.getByLabel('Type').selectOption('monitor');
    await form.getByRole('button', { name: 'Start execution' }).click();
    await page.getByText('Choose a deployment.').waitFor(); // checked before it is sent
    await form.getByLabel('Deployment').selectOption('churn-prod');
    await form.getByLabel('Window (minutes)').fill('10');
    await form.getByLabel('Baseline dataset').selectOption('churn-inputs');
    await assertLabelled('drift report form');
    await form.getByRole('button', { name: 'Start execution' }).click();
    await page.locator('.execution-status .pill[data-status="succeeded"]').waitFor({ timeout: 90000 });
    const drifted = page.locator('.drift-report .drift-feature[data-feature="input_0"][data-drifted="true"]');
    await drifted.locator('svg.bin-chart').waitFor();
    for (const steady of ['input_1', 'input_2', 'input_3']) {
      const flag = await page.locator(`.drift-report .drift-feature[data-feature="${steady}"]`).getAttribute('data-drifted');
      if (flag !== 'false') throw new Error(`${steady} did not move but is shown drifted=${flag}`);
    }
    const bars = await drifted.locator('svg.bin-chart rect').count();
    if (bars !== 20) throw new Error(`input_0's chart has ${bars} bars, expected 10 bins × (baseline, window)`);
    await shot('17-drift-execution');
    // the report is kept with the model version
    await go('#/models/churn');
    await page.locator('#drift .drift-feature[data-feature="input_0"][data-drifted="true"] svg.bin-chart').waitFor();
    await page.locator('#drift').scrollIntoViewIfNeeded();
    await shot('18-drift-model-version');
  });

  await scenario('keyboard only: the skip link and the navigation reach every page', async () => {
    await go('#/');
    await page.reload();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.keyboard.press('Tab');
    const skip = await page.evaluate(() => document.activeElement.textContent);
    if (skip !== 'Skip to content') throw new Error(`the first Tab stop is "${skip}"`);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Models', exact: true }).waitFor();
  });

  await scenario('a narrow window', async () => {
    await page.setViewportSize({ width: 400, height: 860 });
    await go('#/');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.waitForTimeout(500);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) throw new Error(`the dashboard is ${overflow} px wider than a 400 px window`);
    await shot('12-narrow-dashboard');
    await go('#/deployments/churn-prod');
    await page.getByRole('button', { name: 'Predict' }).waitFor();
    await shot('13-narrow-deployment');
    await go('#/workflows/catalogue-check');
    await page.getByRole('link', { name: /^[0-9a-f]{8}$/ }).first().click();
    await page.locator('.node[data-step="report"][data-status="succeeded"]').waitFor();
    const runOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (runOverflow > 0) throw new Error(`a workflow run is ${runOverflow} px wider than a 400 px window`);
    await shot('16-narrow-workflow-run');
  });
});
