package com.modellifecycle.engine;

import org.camunda.bpm.engine.rest.security.auth.ProcessEngineAuthenticationFilter;
import org.camunda.bpm.engine.rest.security.auth.impl.HttpBasicAuthenticationProvider;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;

/**
 * A plain Camunda 7 engine: the process engine, the REST API at /engine-rest and the
 * webapps at /camunda. All configuration lives in application.yaml and comes from
 * ENGINE_* environment variables. Processes are deployed over REST by the service.
 */
@SpringBootApplication
public class EngineApplication {

  public static void main(String[] args) {
    SpringApplication.run(EngineApplication.class, args);
  }

  /**
   * HTTP basic authentication on the REST API, against the engine's own users, when
   * ENGINE_REST_AUTH=basic. Off by default: local development runs the REST API open.
   * See https://docs.camunda.org/manual/7.24/reference/rest/overview/authentication/
   */
  @Bean
  @ConditionalOnProperty(name = "engine.rest-auth", havingValue = "basic")
  FilterRegistrationBean<ProcessEngineAuthenticationFilter> restBasicAuthentication() {
    FilterRegistrationBean<ProcessEngineAuthenticationFilter> registration =
        new FilterRegistrationBean<>(new ProcessEngineAuthenticationFilter());
    registration.setName("camunda-rest-basic-auth");
    registration.addInitParameter("authentication-provider", HttpBasicAuthenticationProvider.class.getName());
    registration.addUrlPatterns("/engine-rest/*");
    return registration;
  }
}
