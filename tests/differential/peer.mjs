// The peer of the differential test: reads the requests of `connector-doctor evaluate --jsonl`
// on standard input, one JSON object a line, and writes @cloud-copilot/iam-simulate's decision
// for each, one line each: {"id", "decision"} in our words, or {"id", "error"}.
//
// A request is one principal's own call in its own account: identity policies and an optional
// permissions boundary, no SCP, RCP, resource or session policy. `absent` keys are left out of
// the context, which is how the peer reads a key the request lacks.
import { createInterface } from 'node:readline';
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate';

const ACCOUNT = '123456789012';
const PRINCIPAL = `arn:aws:iam::${ACCOUNT}:user/differential`;
const DECISIONS = {
  Allowed: 'allowed',
  ImplicitlyDenied: 'implicit_deny',
  ExplicitlyDenied: 'explicit_deny',
};

function decide(request) {
  const simulation = {
    request: {
      principal: PRINCIPAL,
      action: request.action,
      resource: { resource: request.resource, accountId: ACCOUNT },
      contextVariables: request.context ?? {},
    },
    identityPolicies: request.identity_policies.map((policy, i) => ({
      name: `identity_policies[${i}]`,
      policy,
    })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
  if (request.boundary) {
    simulation.permissionBoundaryPolicies = [{ name: 'boundary', policy: request.boundary }];
  }
  // The unvalidated entry point: the generated actions, resources and keys need not exist.
  const result = runUnsafeSimulation(simulation, {});
  const decision = DECISIONS[result];
  if (!decision) throw new Error(`unexpected result ${JSON.stringify(result)}`);
  return decision;
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
for await (const line of lines) {
  if (!line.trim()) continue;
  let id = null;
  try {
    const request = JSON.parse(line);
    id = request.id ?? null;
    out.push(JSON.stringify({ id, decision: decide(request) }));
  } catch (error) {
    out.push(JSON.stringify({ id, error: String(error?.message ?? error) }));
  }
}
process.stdout.write(out.length ? out.join('\n') + '\n' : '');
