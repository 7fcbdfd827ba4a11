namespace GovPlatform.Dispatch.Property;

/// <summary>How red property management grades and how long a company has to rectify (section <c>Property</c>).</summary>
public sealed class PropertyOptions
{
    /// <summary>A grade at or above this is good (好): the company is recommended for more compounds.</summary>
    public decimal GoodFrom { get; set; } = 90m;
    /// <summary>A grade below this is poor (差): a rectification notice opens.</summary>
    public decimal PoorBelow { get; set; } = 70m;
    /// <summary>The company's time to rectify when the inspector gives no date.</summary>
    public TimeSpan RectifyWithin { get; set; } = TimeSpan.FromDays(30);
    /// <summary>The company's own work orders on the compound counted in a grade: those assigned within this before the inspection.</summary>
    public TimeSpan OrdersWindow { get; set; } = TimeSpan.FromDays(90);
    /// <summary>The newest survey within this before the inspection counts in the grade.</summary>
    public TimeSpan SurveyWindow { get; set; } = TimeSpan.FromDays(180);
    /// <summary>Fewer orders than this in the window say too little about the company: the orders part is left out.</summary>
    public int MinOrders { get; set; } = 5;
    /// <summary>How often overdue notices are looked for (real time; "now" is the injected clock).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
}

public static class PropertyRegistration
{
    /// <summary>The desk, its options (section <c>Property</c>) and the scheduler that flags unrectified companies.</summary>
    public static void AddRedProperty(WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(builder.Configuration.GetSection("Property").Get<PropertyOptions>() ?? new PropertyOptions());
        builder.Services.AddSingleton<PropertyDesk>();
        builder.Services.AddHostedService<PropertyScheduler>();
    }
}
