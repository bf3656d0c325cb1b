"""Runs one Helm action through helm-sdkpy and prints its result as JSON (used by conftest.py).

A separate process because Helm's Go runtime reads its environment (HELM_DRIVER, HELM_*_HOME) only as
the process started: setting os.environ inside pytest does not reach it.

    helm_worker.py lint CHART
    helm_worker.py install CHART RELEASE NAMESPACE KUBECONFIG_YAML < values.json
prints {"result": ...} or {"error": "<Helm's message>"}.
"""

import asyncio
import json
import sys

import helm_sdkpy


def main() -> None:
    action, chart = sys.argv[1], sys.argv[2]
    try:
        if action == "lint":
            config = helm_sdkpy.Configuration()
            result = asyncio.run(helm_sdkpy.Lint(config).run(chart))
        else:
            release, namespace, kubeconfig = sys.argv[3:6]
            config = helm_sdkpy.Configuration(namespace=namespace, kubeconfig=kubeconfig)
            values = json.load(sys.stdin)
            result = asyncio.run(
                helm_sdkpy.Install(config).run(release, chart, values=values, wait=False)
            )
    except helm_sdkpy.HelmError as error:
        print(json.dumps({"error": str(error)}))
        return
    print(json.dumps({"result": result}))


if __name__ == "__main__":
    main()
