"""A small stateless MCP server (stdio) that takes measures and answers in Chinese, as many small third-party servers
do: labels in Chinese behind a full-width colon ('BMI值：22.9'), units documented only in the docstring's Chinese
argument lines ('height: 身高（厘米）'), or in English in the parameter's name or description.

Every tool refuses values no person has (a height of 12 cm, a speed of 3000 km/h), as real calculators do, so only
realistic seeds give answers:

- `compute_bmi(height, weight)`: height in centimetres, weight in kilograms (said only in Chinese);
- `trip_duration(distance, speed)`: kilometres and km/h, said in English descriptions;
- `heart_rate_zone(age)`: an age in years; the answer's labels have no Latin words ('最大心率：186').
"""

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field

mcp = MCPServer("clinic", version="0.1.0")


@mcp.tool()
def compute_bmi(height: float, weight: float) -> str:
    """计算BMI值并返回健康状况评估

    参数:
        height: 身高（厘米）
        weight: 体重（千克）
    """
    if not 100 <= height <= 230 or not 30 <= weight <= 250:
        raise ValueError("身高或体重超出范围")
    bmi = weight / (height / 100) ** 2
    status = "偏瘦" if bmi < 18.5 else "正常" if bmi < 24 else "超重" if bmi < 28 else "肥胖"
    return f"BMI值：{bmi:.1f}\n健康状况：{status}"


@mcp.tool()
def trip_duration(distance: Annotated[float, Field(description="Distance of the trip in kilometres")],
                  speed: Annotated[float, Field(description="Average speed in km/h")]) -> str:
    """Work out how long a trip takes at an average speed."""
    if not 0.5 <= distance <= 2000 or not 5 <= speed <= 200:
        raise ValueError("距离或速度超出范围")
    return f"行程时间：{distance / speed:.2f} 小时"


@mcp.tool()
def heart_rate_zone(age: Annotated[int, Field(description="Age in years", ge=1, le=120)]) -> str:
    """Estimate the maximum heart rate and the fat-burning zone for an age."""
    if not 10 <= age <= 100:
        raise ValueError("年龄超出范围")
    top = 220 - age
    return f"最大心率：{top}\n燃脂区间：{round(top * 0.6)}-{round(top * 0.7)}"


if __name__ == "__main__":
    mcp.run()
